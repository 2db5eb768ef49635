// The upload envelope's own checks (client_id, op_id types, unique op_ids, the op count's 413) and
// Pure functions (fast enough for mutation testing).
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors';
import {
  assertEnvelopeTypes,
  assertUniqueOpIds,
  MAX_BYTES,
  MAX_OPS,
  tooManyOps,
} from '../../src/routes/uploadEnvelope';

const thrown = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('upload envelope', () => {
  it('a batch over the op limit is a 413 naming both limits', () => {
    expect(MAX_OPS).toBe(2000);
    expect(MAX_BYTES).toBe(4 * 1024 * 1024);
    expect(tooManyOps()).toMatchObject({
      statusCode: 413,
      code: 'too_large',
      message: 'A batch holds at most 2000 ops',
      extra: { maxOps: 2000, maxBytes: 4 * 1024 * 1024 },
    });
  });

  it('refuses an op_id sent twice, naming it', () => {
    const body = (ids: number[]) => ({ client_id: 'c', batch: ids.map((op_id) => ({ op_id })) });
    expect(thrown(() => assertUniqueOpIds(body([1, 2, 3])))).toBeUndefined();
    expect(thrown(() => assertUniqueOpIds(body([1, 2, 1])))).toMatchObject({
      statusCode: 400,
      code: 'invalid_request',
      message: 'op_id 1 appears more than once in the batch',
    });
  });

  it('refuses op_ids that are not JSON numbers, before the schema could coerce them', () => {
    for (const op_id of ['7', true, null, { n: 1 }]) {
      const e = thrown(() => assertEnvelopeTypes({ client_id: 'c', batch: [{ op_id: 1 }, { op_id }] }));
      expect(e).toBeInstanceOf(HttpError);
      expect(e).toMatchObject({
        statusCode: 400,
        message: 'Invalid request: every op_id must be a JSON number',
      });
    }
    // What the schema reports itself: missing op_id, a non-object op, a batch that is no array.
    for (const body of [{ batch: [{}] }, { batch: [null, 3] }, { batch: 'x' }, null, 'text', {}]) {
      expect(thrown(() => assertEnvelopeTypes(body))).toBeUndefined();
    }
  });

  it('refuses a client_id that is not text, or text the database cannot store', () => {
    expect(thrown(() => assertEnvelopeTypes({ client_id: 42, batch: [] }))).toMatchObject({
      statusCode: 400,
      code: 'invalid_request',
      message: 'Invalid request: client_id must be a string',
    });
    for (const clientId of ['c\u0000', 'c\udc00']) {
      expect(thrown(() => assertEnvelopeTypes({ client_id: clientId, batch: [] }))).toMatchObject({
        statusCode: 400,
        message:
          'Invalid request: client_id holds text the database cannot store (NUL or an unpaired surrogate)',
      });
    }
    expect(thrown(() => assertEnvelopeTypes({ client_id: 'fine', batch: [{ op_id: 1 }] }))).toBeUndefined();
  });
});

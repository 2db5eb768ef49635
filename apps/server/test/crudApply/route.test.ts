// The upload route in-process: Fastify's inject (no socket) on a real database, with a test double
// of the authentication (a fixed session) and of the asset-deletion job. Checks what the route adds
// to processUpload: the envelope's 400s and 413s, and the kick after a DELETE.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/types';
import { MAX_BYTES, MAX_OPS } from '../../src/routes/uploadEnvelope';
import { testBackends } from '../../src/testing';
import { useUploadTestDatabase } from './sharedDatabase';
import { type UploadTestApp, uploadTestApp } from './uploadTestApp';

describe.each(testBackends())('upload route on %s', (backend) => {
  const database = useUploadTestDatabase(backend);
  let db: Db;
  let t: UploadTestApp;

  beforeAll(async () => {
    db = database.db;
    t = await uploadTestApp(db);
  });
  afterAll(() => t?.app.close());
  let kicksBefore = 0;
  beforeEach(() => {
    kicksBefore = t.kicks;
  });
  const kicks = () => t.kicks - kicksBefore;

  const post = (payload: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/powersync/upload', payload: payload as object });
  const put = (op_id: number, id = randomUUID()) => ({ op_id, op: 'PUT', type: 'schedules', id, data: {} });

  it('answers the batch; a batch with a DELETE starts the asset deletions after the commit, one without does not', async () => {
    const client_id = `c-${randomUUID()}`;
    const s = randomUUID();
    const first = await post({ client_id, batch: [put(1, s)] });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ applied: [1], rejected: [] });
    expect(kicks()).toBe(0);
    const second = await post({ client_id, batch: [{ op_id: 2, op: 'DELETE', type: 'schedules', id: s }] });
    expect(second.json()).toEqual({ applied: [2], rejected: [] });
    expect(kicks()).toBe(1);
    expect((await db.query('SELECT 1 FROM schedules WHERE id = $1', [s])).rows).toEqual([]);
  });

  it('counts ops before validating them: over the limit is a 413 naming the limits, even with bad ops', async () => {
    const res = await post({
      client_id: 'c',
      batch: Array.from({ length: MAX_OPS + 1 }, () => ({ op_id: 'x' })),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      error: { code: 'too_large', message: `A batch holds at most ${MAX_OPS} ops` },
      maxOps: MAX_OPS,
      maxBytes: MAX_BYTES,
    });
    // At the limit the ops are judged: here a duplicate op_id.
    const atLimit = await post({
      client_id: 'c',
      batch: Array.from({ length: MAX_OPS }, () => ({ op_id: 1 })),
    });
    expect(atLimit.statusCode).toBe(400);
    expect(atLimit.json().error.message).toBe('op_id 1 appears more than once in the batch');
  });

  it('refuses a body over the byte limit with a 413', async () => {
    const res = await post({ client_id: 'c', batch: [{ op_id: 1, pad: 'x'.repeat(MAX_BYTES) }] });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'too_large' }, maxOps: MAX_OPS, maxBytes: MAX_BYTES });
  });

  it('refuses an op_id sent as a string instead of coercing it, and a missing client_id', async () => {
    const res = await post({ client_id: 'c', batch: [{ ...put(1), op_id: '1' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({
      code: 'invalid_request',
      message: 'Invalid request: every op_id must be a JSON number',
    });
    const noClient = await post({ batch: [put(1)] });
    expect(noClient.statusCode).toBe(400);
    expect(noClient.json().error.code).toBe('invalid_request');
  });

  it('a JSON null body is a 400, not a crash', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/powersync/upload',
      headers: { 'content-type': 'application/json' },
      payload: 'null',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });

  it('a batch with any DELETE among other ops starts the asset deletions', async () => {
    const s = randomUUID();
    const res = await post({
      client_id: `c-${randomUUID()}`,
      batch: [put(1, s), { op_id: 2, op: 'DELETE', type: 'schedules', id: s }, put(3)],
    });
    expect(res.json()).toEqual({ applied: [1, 2, 3], rejected: [] });
    expect(kicks()).toBe(1);
  });
});

import { UploadOp, UploadRequest } from '@vhd/sync-contract';
import Type, { type Static } from 'typebox';
import { isStorableText } from '../crudApply/clientText';
import { HttpError } from '../errors';

export const MAX_OPS = 2000;
export const MAX_BYTES = 4 * 1024 * 1024;

/**
 * The contract's upload request as the route checks it: only the envelope as a whole (a 400); each
 * op is judged on its own (crudApply/validate.ts).
 */
export const UploadEnvelope = Type.Object({
  client_id: UploadRequest.properties.client_id,
  batch: Type.Array(Type.Object({ op_id: UploadOp.properties.op_id })),
});
export type UploadEnvelope = Static<typeof UploadEnvelope>;

export function tooManyOps(): HttpError {
  return new HttpError(413, 'too_large', `A batch holds at most ${MAX_OPS} ops`, {
    maxOps: MAX_OPS,
    maxBytes: MAX_BYTES,
  });
}

/** op_ids must be unique: each is answered exactly once. */
export function assertUniqueOpIds(body: UploadEnvelope): void {
  const seen = new Set<number>();
  for (const { op_id } of body.batch) {
    if (seen.has(op_id))
      throw new HttpError(400, 'invalid_request', `op_id ${op_id} appears more than once in the batch`);
    seen.add(op_id);
  }
}

const invalid = (message: string) => new HttpError(400, 'invalid_request', `Invalid request: ${message}`);

/**
 * Checks what the schema cannot, before it runs (its type coercion would turn `"7"` or `true` into
 * an op_id): the envelope's values as sent are JSON numbers and storable text.
 */
export function assertEnvelopeTypes(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const { client_id: clientId, batch } = body as { client_id?: unknown; batch?: unknown };
  if (clientId !== undefined && typeof clientId !== 'string') throw invalid('client_id must be a string');
  if (typeof clientId === 'string' && !isStorableText(clientId))
    throw invalid('client_id holds text the database cannot store (NUL or an unpaired surrogate)');
  if (!Array.isArray(batch)) return;
  for (const op of batch) {
    const opId = (op as { op_id?: unknown } | null)?.op_id;
    if (opId !== undefined && typeof opId !== 'number') throw invalid('every op_id must be a JSON number');
  }
}

// `POST /api/powersync/upload`: a client's pending CRUD ops, answered op by op.
import Type, { type Static } from 'typebox';

/** One ps_crud entry as sent: PowerSync's CRUD entry with its client op id (`op_id`). */
export const UploadOp = Type.Object({
  op_id: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  op: Type.Union([Type.Literal('PUT'), Type.Literal('PATCH'), Type.Literal('DELETE')]),
  type: Type.String(),
  id: Type.String(),
  tx_id: Type.Optional(Type.Integer()),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** Previous values of the columns a table tracks (PowerSync `trackPrevious`). */
  old: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type UploadOp = Static<typeof UploadOp>;

export const UploadRequest = Type.Object({
  client_id: Type.String({ minLength: 1, maxLength: 200 }),
  batch: Type.Array(UploadOp),
});
export type UploadRequest = Static<typeof UploadRequest>;

/** Every op_id sent appears exactly once, in `applied` or in `rejected`. */
export const UploadAnswer = Type.Object({
  applied: Type.Array(Type.Integer()),
  rejected: Type.Array(
    Type.Object({
      op_id: Type.Integer(),
      code: Type.String(),
      message: Type.String(),
    }),
  ),
});
export type UploadAnswer = Static<typeof UploadAnswer>;

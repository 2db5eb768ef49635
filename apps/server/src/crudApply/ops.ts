import type { SyncedTable } from './tables';

export type OpKind = 'PUT' | 'PATCH' | 'DELETE';

export type RejectCode =
  | 'invalid'
  | 'unknown_table'
  | 'unknown_column'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'constraint'
  | 'too_large'
  | 'tx_rejected';

export interface Rejection {
  code: RejectCode;
  message: string;
}

/** One CRUD entry as a client sent it (only `op_id` is guaranteed by the envelope). */
export interface RawOp {
  op_id: number;
  op?: unknown;
  type?: unknown;
  id?: unknown;
  tx_id?: unknown;
  data?: unknown;
  old?: unknown;
}

/** Photo upload confirmation fields, checked by `app.photoConfirmations`. */
export interface ConfirmationFields {
  publicId: string;
  version: number;
  signature: string;
}

/** An op that passed validation: table, id and values checked and converted. */
export interface ValidOp {
  opId: number;
  txId: number | null;
  kind: OpKind;
  table: SyncedTable;
  id: string;
  /** Client columns sent (PUT: the whole row; PATCH: the changed columns), plus verified confirmed columns. */
  values: Record<string, unknown>;
  /** Previous values of the table's guarded columns, when the client sent them. */
  old: Record<string, unknown> | null;
  confirmation: ConfirmationFields | null;
}

/** What happened to one op. */
export type Verdict = { opId: number; txId: number | null } & (
  | { ok: true }
  | { ok: false; rejection: Rejection }
);

export const applied = (op: { opId: number; txId: number | null }): Verdict => ({
  opId: op.opId,
  txId: op.txId,
  ok: true,
});
export const rejected = (op: { opId: number; txId: number | null }, rejection: Rejection): Verdict => ({
  opId: op.opId,
  txId: op.txId,
  ok: false,
  rejection,
});

// The synced tables a client may write, column by column. Mirrors migrations/001_initial.sql and the
// client's PowerSync schema (packages/background-sync/src/schema.ts), where timestamps are ISO text.

export type ColumnType = 'text' | 'uuid' | 'timestamptz' | 'integer' | 'bigint';

export interface ColumnSpec {
  type: ColumnType;
  /** Longest accepted text (characters); longer is `too_large`. */
  maxLength?: number;
  /** Accepted values of a text column. */
  oneOf?: readonly string[];
  /** Value a PUT gets when it omits the column (the database default). */
  default?: string | number;
}

export interface TableSpec {
  name: SyncedTable;
  /** Columns a client writes (besides `id`; `org_id` is taken from the token, `updated_at` is the server's). */
  columns: Record<string, ColumnSpec>;
  /** Columns only the server sets; a client sending them is refused (`forbidden`). */
  serverOwned: readonly string[];
  /** A column referencing a parent table's row (same organization required). */
  parent?: { column: string; table: SyncedTable };
  /** Columns whose previous values (`old`) must match the row for a PATCH to apply (else `conflict`). */
  guardedByOld?: readonly string[];
  /** Rows get a server-assigned per-organization `number`. */
  numbered?: boolean;
  /** Set only through a verified upload confirmation; a PUT that omits them keeps the stored values. */
  confirmed?: Record<string, ColumnSpec>;
}

export const TABLES = {
  schedules: {
    name: 'schedules',
    columns: {
      customer: { type: 'text', maxLength: 500 },
      address: { type: 'text', maxLength: 1000 },
      scheduled_at: { type: 'timestamptz' },
      status: {
        type: 'text',
        oneOf: ['scheduled', 'in_progress', 'done', 'cancelled'],
        default: 'scheduled',
      },
      notes: { type: 'text', maxLength: 20_000 },
    },
    serverOwned: [],
  },
  invoices: {
    name: 'invoices',
    columns: {
      schedule_id: { type: 'uuid' },
      amount_cents: { type: 'integer', default: 0 },
      status: { type: 'text', oneOf: ['draft', 'sent', 'paid', 'void'], default: 'draft' },
      issued_at: { type: 'timestamptz' },
    },
    serverOwned: ['number'],
    parent: { column: 'schedule_id', table: 'schedules' },
    guardedByOld: ['amount_cents', 'status'],
    numbered: true,
  },
  photos: {
    name: 'photos',
    columns: {
      schedule_id: { type: 'uuid' },
      kind: { type: 'text', oneOf: ['before', 'after'] },
      taken_at: { type: 'timestamptz' },
      bytes: { type: 'bigint' },
      width: { type: 'integer' },
      height: { type: 'integer' },
    },
    serverOwned: ['cloudinary_url'],
    parent: { column: 'schedule_id', table: 'schedules' },
    confirmed: {
      cloudinary_public_id: { type: 'text', maxLength: 500 },
      cloudinary_version: { type: 'bigint' },
      cloudinary_url: { type: 'text', maxLength: 2000 },
    },
  },
} as const satisfies Record<string, TableSpec>;

export type SyncedTable = 'schedules' | 'invoices' | 'photos';

/** Parents first: the order of writes; deletes go in reverse. */
export const TABLE_ORDER: readonly SyncedTable[] = ['schedules', 'invoices', 'photos'];

export function tableSpec(name: string): TableSpec | undefined {
  return Object.hasOwn(TABLES, name) ? (TABLES as Record<string, TableSpec>)[name] : undefined;
}

/** The Postgres type used to pass a column's values as an array. */
export const SQL_TYPE: Record<ColumnType, string> = {
  text: 'text',
  uuid: 'uuid',
  timestamptz: 'timestamptz',
  integer: 'int4',
  bigint: 'int8',
};

/** The row a PUT starts from: database defaults for the columns it omits. */
export const PUT_DEFAULTS: Record<SyncedTable, Record<string, unknown>> = Object.fromEntries(
  Object.values(TABLES).map((t: TableSpec) => [
    t.name,
    Object.fromEntries(
      Object.entries(t.columns).flatMap(([name, c]: [string, ColumnSpec]) =>
        c.default === undefined ? [] : [[name, c.default]],
      ),
    ),
  ]),
) as Record<SyncedTable, Record<string, unknown>>;

import { quote, unstorableTextPath } from './clientText';
import type { ConfirmationFields, OpKind, RawOp, Rejection, ValidOp } from './ops';
import { type ColumnSpec, type TableSpec, tableSpec } from './tables';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i;
const OP_KINDS: readonly string[] = ['PUT', 'PATCH', 'DELETE'];
const CONFIRMATION = ['cloudinary_public_id', 'cloudinary_version', 'cloudinary_signature'] as const;
const INT4_MAX = 2_147_483_647;

class Reject extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}
const fail = (code: Rejection['code'], message: string): never => {
  throw new Reject({ code, message });
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A client-named key looked up as an own property only (never `toString` & co. from the prototype). */
const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** A column value as sent → the value stored (null stays null). */
function convert(column: string, spec: ColumnSpec, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (spec.type) {
    case 'text': {
      if (typeof value !== 'string') return fail('invalid', `${column} must be text`);
      if (spec.oneOf && !spec.oneOf.includes(value)) {
        return fail('invalid', `${column} must be one of ${spec.oneOf.join(', ')}; got ${quote(value)}`);
      }
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        return fail(
          'too_large',
          `${column} is ${value.length} characters long; at most ${spec.maxLength} are accepted`,
        );
      }
      return value;
    }
    case 'uuid':
      if (typeof value !== 'string' || !UUID.test(value)) return fail('invalid', `${column} must be a UUID`);
      return value.toLowerCase();
    case 'timestamptz': {
      const time = typeof value === 'string' && ISO_TIMESTAMP.test(value) ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(time)) return fail('invalid', `${column} must be an ISO-8601 timestamp`);
      const year = new Date(time).getUTCFullYear();
      if (year < 1 || year > 9999) return fail('invalid', `${column} must be between the years 1 and 9999`);
      return new Date(time).toISOString();
    }
    case 'integer':
    case 'bigint': {
      // Integer columns can arrive as 3.0 from SQLite: JSON makes that 3.
      const max = spec.type === 'integer' ? INT4_MAX : Number.MAX_SAFE_INTEGER;
      if (typeof value !== 'number' || !Number.isInteger(value))
        return fail('invalid', `${column} must be an integer`);
      if (Math.abs(value) > max) return fail('too_large', `${column} is out of range (|value| ≤ ${max})`);
      return value;
    }
  }
}

function confirmationFields(data: Record<string, unknown>): ConfirmationFields | null {
  const sent = CONFIRMATION.filter((c) => own(data, c) !== undefined);
  if (sent.length === 0) return null;
  const [publicId, version, signature] = CONFIRMATION.map((c) => own(data, c));
  if (typeof publicId !== 'string' || publicId === '' || typeof signature !== 'string' || signature === '') {
    return fail('invalid', `${CONFIRMATION.join(', ')} must be sent together, with non-empty values`);
  }
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version <= 0) {
    return fail('invalid', 'cloudinary_version must be a positive integer');
  }
  return { publicId, version, signature };
}

function readValues(table: TableSpec, id: string, data: Record<string, unknown>, orgId: string) {
  const values: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(data)) {
    if (column === 'updated_at') continue; // server-set
    if (column === 'id') {
      if (value !== null && String(value).toLowerCase() !== id)
        fail('invalid', 'data.id differs from the op id');
      continue;
    }
    if (column === 'org_id') {
      if (value !== null && value !== orgId)
        fail('forbidden', 'org_id must be the organization of the session');
      continue;
    }
    if (table.serverOwned.includes(column)) fail('forbidden', `${column} is set by the server`);
    if ((CONFIRMATION as readonly string[]).includes(column) && table.confirmed) continue;
    const spec = own(table.columns, column);
    if (!spec) return fail('unknown_column', `${table.name} has no column ${quote(column)}`);
    values[column] = convert(column, spec, value);
  }
  return values;
}

function readOld(table: TableSpec, old: unknown): Record<string, unknown> | null {
  if (!table.guardedByOld || old === undefined || old === null) return null;
  if (!isObject(old)) return fail('invalid', 'old must be an object');
  const out: Record<string, unknown> = {};
  for (const column of table.guardedByOld) {
    if (Object.hasOwn(old, column))
      out[column] = convert(`old.${column}`, table.columns[column] as ColumnSpec, old[column]);
  }
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * Checks one op against the table whitelist and column types. Returns the converted op, or why it is
 * rejected (`invalid`, `unknown_table`, `unknown_column`, `forbidden`, `too_large`).
 */
export function validateOp(
  raw: RawOp,
  orgId: string,
): { op: ValidOp } | { rejection: Rejection; txId: number | null } {
  const txId = Number.isSafeInteger(raw.tx_id) ? (raw.tx_id as number) : null;
  try {
    if (raw.tx_id !== undefined && raw.tx_id !== null && txId === null)
      fail('invalid', 'tx_id must be an integer');
    const unstorable = unstorableTextPath(raw, 'op');
    if (unstorable)
      fail('invalid', `${unstorable} holds text the database cannot store (NUL or an unpaired surrogate)`);
    if (typeof raw.op !== 'string' || !OP_KINDS.includes(raw.op))
      fail('invalid', 'op must be PUT, PATCH or DELETE');
    const kind = raw.op as OpKind;
    if (typeof raw.type !== 'string') return fail('invalid', 'type must be a table name');
    const table = tableSpec(raw.type);
    if (!table) return fail('unknown_table', `${quote(raw.type)} is not a synced table`);
    if (typeof raw.id !== 'string' || !UUID.test(raw.id)) return fail('invalid', 'id must be a UUID');
    const id = raw.id.toLowerCase();
    if (kind === 'DELETE') {
      return {
        op: { opId: raw.op_id, txId, kind, table: table.name, id, values: {}, old: null, confirmation: null },
      };
    }
    const data = raw.data ?? {};
    if (!isObject(data)) return fail('invalid', 'data must be an object');
    const values = readValues(table, id, data, orgId);
    const confirmation = table.confirmed ? confirmationFields(data) : null;
    const old = kind === 'PATCH' ? readOld(table, raw.old) : null;
    return { op: { opId: raw.op_id, txId, kind, table: table.name, id, values, old, confirmation } };
  } catch (err) {
    if (err instanceof Reject) return { rejection: err.rejection, txId };
    throw err;
  }
}

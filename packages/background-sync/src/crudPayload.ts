// One ps_crud entry as the server's upload endpoint expects it, values coerced to the schema's
// column types: SQLite hands integers back as 3.0-style floats or strings depending on how they
// were bound, and the server checks types strictly.
import type { UploadOp } from '@vhd/sync-contract';
import type { CrudEntryLike } from './database';
import { columnType } from './schema';

export type { UploadOp };

export function toUploadOp(entry: CrudEntryLike): UploadOp {
  return {
    op_id: entry.clientId,
    op: entry.op as UploadOp['op'],
    type: entry.table,
    id: entry.id,
    ...(entry.transactionId != null ? { tx_id: entry.transactionId } : {}),
    ...(entry.opData ? { data: coerceValues(entry.table, entry.opData) } : {}),
    ...(entry.previousValues ? { old: coerceValues(entry.table, entry.previousValues) } : {}),
  };
}

export function coerceValues(table: string, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(values)) {
    out[column] = coerceValue(columnType(table, column), value);
  }
  return out;
}

const INTEGER_TEXT = /^[+-]?\d+(\.0*)?$/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Only lossless conversions: anything else goes up as it is and the server names the problem. */
export function coerceValue(type: 'text' | 'integer' | 'real' | undefined, value: unknown): unknown {
  if (value == null || type === undefined || type === 'text') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (type === 'integer') {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'string' && INTEGER_TEXT.test(value.trim())) {
      const n = Number(value);
      if (Number.isSafeInteger(n)) return n;
    }
    return value;
  }
  if (typeof value === 'string' && NUMBER_TEXT.test(value.trim())) return Number(value);
  return value;
}

/** UTF-8 length of a string without allocating an encoded copy. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

// The one rule for timestamps in synced tables. They are text in two spellings: what a phone writes
// (ISO, `2026-12-04T19:11:27.596Z`) and what the PowerSync service sends for a Postgres timestamptz
// (`2026-12-04 19:11:27.596Z`, up to microseconds). A row changes spelling when its synced copy
// arrives, so timestamps are compared and sorted as instants, never as strings: in SQLite with
// `julianday(column)` (it reads both spellings), in JS with `instantOf`, which parses both itself
// (no reliance on a JS engine's Date parser, e.g. Hermes', for the space form).

const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?(Z|[+-]\d\d(?::?\d\d)?)?$/i;

/** Epoch milliseconds of a timestamp in either spelling (no zone means UTC); undefined if not one. */
export function instantOf(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone = 'Z'] = m as unknown as string[];
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const offsetMin = zoneOffsetMinutes(zone as string);
  const at = utc - offsetMin * 60_000;
  return Number.isFinite(at) ? at : undefined;
}

/** Whether two values are the same instant (both timestamps) — a spelling change is no change. */
export function sameInstant(a: unknown, b: unknown): boolean {
  const x = instantOf(a);
  return x !== undefined && x === instantOf(b);
}

/** The SQL to order a timestamp column by instant (nulls first ascending, like the column itself). */
export function byInstant(column: string): string {
  return `julianday(${column})`;
}

function zoneOffsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
  return zone[0] === '-' ? -minutes : minutes;
}

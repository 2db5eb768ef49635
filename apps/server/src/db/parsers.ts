// The one place where PGlite's and pg's differing type conversions are made the same: both drivers
// are given these text-format parsers by type OID. Timestamps come back as ISO-8601 strings (as they
// travel to clients), int8 as JS numbers (refusing values beyond 2^53), numeric as exact strings,
// bytea as Buffers, date as 'YYYY-MM-DD'.

const OID = {
  bytea: 17,
  int8: 20,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  int8Array: 1016,
  timestampArray: 1115,
  timestamptzArray: 1185,
  numericArray: 1231,
} as const;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n))
    throw new RangeError(`int8 value ${text} is outside the JS safe-integer range`);
  return n;
}

/** Postgres timestamp text ('2024-05-01 12:00:00.123456+00', DateStyle ISO) → ISO-8601 with ms. */
function parseTimestamp(text: string, withZone: boolean): string {
  if (text === 'infinity' || text === '-infinity') return text;
  let iso = text.replace(' ', 'T');
  if (withZone)
    iso = iso.replace(
      /([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?$/,
      (_m, h: string, m?: string) => `${h}:${m ?? '00'}`,
    );
  else iso += 'Z';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

function parseBytea(text: string): Buffer {
  return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : Buffer.from(text, 'latin1');
}

/** A one-dimensional Postgres array literal ('{1,NULL,"a b"}') → its element texts. */
export function parseArrayLiteral(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const body = text.slice(text.indexOf('{') + 1, text.lastIndexOf('}'));
  let i = 0;
  while (i < body.length) {
    if (body[i] === '"') {
      let value = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        value += body[i];
        i++;
      }
      out.push(value);
      i += 2; // closing quote and comma
    } else {
      const end = body.indexOf(',', i);
      const raw = body.slice(i, end === -1 ? body.length : end);
      out.push(raw === 'NULL' ? null : raw);
      i = end === -1 ? body.length : end + 1;
    }
  }
  return out;
}

function arrayOf<T>(parse: (text: string) => T): (text: string) => (T | null)[] {
  return (text) => parseArrayLiteral(text).map((v) => (v === null ? null : parse(v)));
}

const identity = (text: string) => text;

/** Text parsers by type OID, shared by both drivers. */
export const PARSERS: Record<number, (text: string) => unknown> = {
  [OID.bytea]: parseBytea,
  [OID.int8]: parseInt8,
  [OID.date]: identity,
  [OID.timestamp]: (t) => parseTimestamp(t, false),
  [OID.timestamptz]: (t) => parseTimestamp(t, true),
  [OID.numeric]: identity,
  [OID.int8Array]: arrayOf(parseInt8),
  [OID.timestampArray]: arrayOf((t) => parseTimestamp(t, false)),
  [OID.timestamptzArray]: arrayOf((t) => parseTimestamp(t, true)),
  [OID.numericArray]: arrayOf(identity),
};

// How the PowerSync service renders a Postgres `timestamptz` in synced rows (checked on the wire,
// notes/powersync-service-facts.md): UTC, a space between date and time, the fraction Postgres
// printed (trailing zeros already dropped, none for whole seconds), then `Z` —
// `2026-12-04 19:11:27.625809Z`. Phones write ISO (`2026-12-04T19:11:27.596Z`), so one row can hold
// both spellings: compare them as instants, never as strings.

const POSTGRES_TEXT = /^(\d{4,}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d(?::?\d\d){0,2})?$/;

/**
 * Postgres' text of a timestamptz (any session time zone: `2026-12-04 20:11:27.5+01`) → the service's
 * text. Returns null for null; throws on text that is not a timestamp.
 */
export function serviceTimestamptz(postgresText: string | null): string | null {
  if (postgresText === null) return null;
  const m = POSTGRES_TEXT.exec(postgresText);
  if (!m)
    throw new TypeError(`powersync double: not a Postgres timestamptz: ${JSON.stringify(postgresText)}`);
  const [, date, time, fraction = '', zone = 'Z'] = m as unknown as [
    string,
    string,
    string,
    string?,
    string?,
  ];
  const utc = new Date(`${date}T${time}${isoZone(zone)}`);
  if (Number.isNaN(utc.getTime()))
    throw new TypeError(`powersync double: not a valid instant: ${postgresText}`);
  // Whole seconds from the conversion, the fraction exactly as Postgres printed it (µs precision).
  const wholeSeconds = utc.toISOString().slice(0, 19).replace('T', ' ');
  const trimmed = fraction.replace(/0+$/, '');
  return `${wholeSeconds}${trimmed === '.' ? '' : trimmed}Z`;
}

function isoZone(zone: string): string {
  if (zone === 'Z') return 'Z';
  const digits = zone.slice(1).replace(/:/g, '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

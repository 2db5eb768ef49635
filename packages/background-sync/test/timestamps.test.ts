// The timestamp rule: a phone's ISO text and the service's Postgres text are the same instants, in
// JS (instantOf, sameInstant) and in the app's SQLite (byInstant → julianday), where sorting the raw
// text puts a local unsynced row above every synced row of the same day.
import { afterEach, describe, expect, it } from 'vitest';
import { byInstant, instantOf, sameInstant } from '../src/timestamps';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';

describe('instantOf / sameInstant', () => {
  it('reads the phone’s ISO and the service’s text as the same instant', () => {
    const iso = Date.parse('2026-12-04T19:11:27.596Z');
    expect(instantOf('2026-12-04T19:11:27.596Z')).toBe(iso);
    expect(instantOf('2026-12-04 19:11:27.596Z')).toBe(iso);
    // Microseconds as the service sends them: read to the millisecond.
    expect(instantOf('2026-12-04 19:11:27.596809Z')).toBe(iso);
    expect(instantOf('2026-12-04 19:11:27Z')).toBe(Date.parse('2026-12-04T19:11:27Z'));
    expect(instantOf('2026-12-04 20:41:27.596+01:30')).toBe(iso);
    expect(instantOf('2026-12-04T14:11:27.596-05')).toBe(iso);
    expect(sameInstant('2026-12-04T19:11:27.596Z', '2026-12-04 19:11:27.596Z')).toBe(true);
    expect(sameInstant('2026-12-04T19:11:27.596Z', '2026-12-04 19:11:27.597Z')).toBe(false);
  });

  it('is undefined for what is not a timestamp; such values are never "the same instant"', () => {
    for (const v of [null, undefined, '', 'tomorrow', '2026-12-04', 12, '2026-12-04 19:11:27.5Q']) {
      expect(instantOf(v)).toBeUndefined();
    }
    expect(sameInstant(null, null)).toBe(false);
  });
});

describe('byInstant in the app’s SQLite', () => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.close();
  });

  it('orders mixed spellings by instant; the raw text does not', async () => {
    t = await openTestDatabase();
    const rows: Array<[string, string]> = [
      ['synced-early', '2026-12-04 08:00:00.123456Z'],
      ['local-mid', '2026-12-04T12:30:00.000Z'],
      ['synced-late', '2026-12-04 17:45:00Z'],
      ['local-next-day', '2026-12-05T07:00:00.000Z'],
    ];
    for (const [id, at] of rows)
      await t.db.execute('INSERT INTO schedules (id, customer, scheduled_at) VALUES (?, ?, ?)', [id, id, at]);
    const order = async (by: string) =>
      (await t?.db.getAll<{ id: string }>(`SELECT id FROM schedules ORDER BY ${by} DESC, id`))?.map(
        (r) => r.id,
      );
    expect(await order(byInstant('scheduled_at'))).toEqual([
      'local-next-day',
      'synced-late',
      'local-mid',
      'synced-early',
    ]);
    // What plain text ordering does: 'T' sorts after ' ', so the local row jumps above its day.
    expect(await order('scheduled_at')).toEqual([
      'local-next-day',
      'local-mid',
      'synced-late',
      'synced-early',
    ]);
  });
});

// Replication from Postgres into the PowerSync double (what the real service does with logical
// replication): an organization's rows as the sync config ships them, changes only, deletes too.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOrgRows } from '../src/backend/replicator';
import { SimBackend } from '../src/backend/simBackend';
import { IntentLog } from '../src/intentLog';

let backend: SimBackend;

beforeAll(async () => {
  backend = await SimBackend.start({ database: 'memory' });
});

afterAll(async () => {
  await backend?.close();
});

describe('Replicator', () => {
  it('puts an organization’s rows into its bucket, then only what changed, and removes deleted rows', async () => {
    const org = `org_${randomUUID().slice(0, 8)}`;
    const office = backend.office(org);
    await office.setUp('Replication Co');
    const schedule = randomUUID();
    const log = new IntentLog();
    await office.insert(log, 0, 'schedules', schedule, {
      customer: 'Diner',
      scheduled_at: '2025-01-06T09:00:00.000Z',
      status: 'scheduled',
    });
    await office.insert(log, 0, 'invoices', randomUUID(), {
      schedule_id: schedule,
      amount_cents: 100,
      status: 'draft',
    });
    const expected = await readOrgRows(backend.db, org);
    expect(backend.double.rows(org, 'schedules')).toEqual(expected.schedules);
    expect(backend.double.rows(org, 'invoices')).toEqual(expected.invoices);
    expect(expected.invoices?.[0]).toMatchObject({ number: 1, org_id: org, schedule_id: schedule });
    // The device wrote ISO; the service (and so the double) sends Postgres' text, as on the wire.
    expect(expected.schedules?.[0]?.scheduled_at).toBe('2025-01-06 09:00:00Z');
    expect(expected.schedules?.[0]?.updated_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?Z$/);

    const ops = backend.double.bucketState(org).count;
    await backend.replicator.replicate(org);
    expect(backend.double.bucketState(org).count).toBe(ops);
    await Promise.all([
      office.update(log, 0, 'schedules', schedule, { notes: 'gate code 1234' }),
      backend.replicator.replicate(org),
      backend.replicator.replicate(org),
    ]);
    expect(backend.double.rows(org, 'schedules')[0]).toMatchObject({ notes: 'gate code 1234' });

    await backend.db.query('DELETE FROM schedules WHERE id = $1', [schedule]);
    await backend.replicator.replicate(org);
    expect(backend.double.rows(org)).toEqual([]);
    expect(log.rows.map((w) => [w.writer, w.op, w.table, w.seq])).toEqual([
      ['office', 'insert', 'schedules', 1],
      ['office', 'insert', 'invoices', 2],
      ['office', 'update', 'schedules', 3],
    ]);
  });
});

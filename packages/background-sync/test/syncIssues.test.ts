// Failed photos and rejected changes placed on their job, and a rejected change retried or
// dismissed by the technician — on a real PowerSync database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dismissRejection, retryRejection } from '../src/rejectionRetry';
import { getSyncIssues } from '../src/syncIssues';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';

const JOB = '11111111-0000-4000-8000-000000000001';
const OTHER_JOB = '11111111-0000-4000-8000-000000000002';
const INVOICE = '22222222-0000-4000-8000-000000000001';
const PHOTO = '33333333-0000-4000-8000-000000000001';
const GONE_INVOICE = '22222222-0000-4000-8000-000000000009';

async function rejection(
  t: TestDatabase,
  row: { id: string; op: string; table: string; rowId: string; data: Record<string, unknown>; code: string },
) {
  await t.db.execute(
    `INSERT INTO sync_rejections (id, op_id, tx_id, op, table_name, row_id, data, code, message, created_at)
     VALUES (?, 1, 1, ?, ?, ?, ?, ?, 'refused', 1000)`,
    [row.id, row.op, row.table, row.rowId, JSON.stringify({ data: row.data, old: null }), row.code],
  );
}

describe('sync issues', () => {
  let t: TestDatabase;

  beforeEach(async () => {
    t = await openTestDatabase();
    await t.db.execute("INSERT INTO schedules (id, customer) VALUES (?, 'Joe''s Diner'), (?, 'Other')", [
      JOB,
      OTHER_JOB,
    ]);
    await t.db.execute(
      "INSERT INTO invoices (id, schedule_id, amount_cents, status) VALUES (?, ?, 100, 'draft')",
      [INVOICE, JOB],
    );
    await t.db.execute("INSERT INTO photos (id, schedule_id, kind) VALUES (?, ?, 'after')", [PHOTO, JOB]);
    await t.db.execute(
      `INSERT INTO photo_attachments (id, local_path, media_type, size, state, attempts, last_error, created_at)
       VALUES (?, 'photos/p.jpg', 'image/jpeg', 10, 'FAILED', 5, 'HTTP 400 invalid image', 1)`,
      [PHOTO],
    );
    await rejection(t, {
      id: 'c:1',
      op: 'PATCH',
      table: 'invoices',
      rowId: INVOICE,
      data: { amount_cents: 12_500 },
      code: 'conflict',
    });
    // A rejected insert whose local row the download has removed: the job comes from its data.
    await rejection(t, {
      id: 'c:2',
      op: 'PUT',
      table: 'invoices',
      rowId: GONE_INVOICE,
      data: { schedule_id: JOB, amount_cents: 5, status: 'draft' },
      code: 'constraint',
    });
    await t.db.execute('DELETE FROM ps_crud');
  });

  afterEach(async () => {
    await t?.close();
  });

  it('places failed photos and rejected changes on their job and customer', async () => {
    const issues = await getSyncIssues(t.db, { scheduleId: JOB });
    expect(issues.photos).toEqual([
      expect.objectContaining({
        photoId: PHOTO,
        scheduleId: JOB,
        customer: "Joe's Diner",
        kind: 'after',
        localPath: 'photos/p.jpg',
        lastError: 'HTTP 400 invalid image',
      }),
    ]);
    expect(issues.changes.map((c) => [c.id, c.scheduleId, c.customer, c.code])).toEqual([
      ['c:2', JOB, "Joe's Diner", 'constraint'],
      ['c:1', JOB, "Joe's Diner", 'conflict'],
    ]);
    expect(issues.changes.find((c) => c.id === 'c:1')?.values).toEqual({ amount_cents: 12_500 });
    expect(await getSyncIssues(t.db, { scheduleId: OTHER_JOB })).toEqual({ photos: [], changes: [] });
    expect((await getSyncIssues(t.db)).changes).toHaveLength(2);
  });

  it('Retry writes the refused values again as a new queued change; Dismiss drops the rejection', async () => {
    await expect(retryRejection(t.db, 'c:1')).resolves.toBe('requeued');
    const invoice = await t.db.get<{ amount_cents: number }>(
      'SELECT amount_cents FROM invoices WHERE id = ?',
      [INVOICE],
    );
    expect(invoice.amount_cents).toBe(12_500);
    const crud = await t.db.getAll<{ data: string }>('SELECT data FROM ps_crud');
    expect(crud).toHaveLength(1);
    expect(JSON.parse(crud[0]!.data)).toMatchObject({ op: 'PATCH', type: 'invoices', id: INVOICE });

    // The rejected insert comes back as an insert.
    await expect(retryRejection(t.db, 'c:2')).resolves.toBe('requeued');
    expect(await t.db.getOptional('SELECT id FROM invoices WHERE id = ?', [GONE_INVOICE])).not.toBeNull();
    expect((await getSyncIssues(t.db)).changes).toEqual([]);

    await rejection(t, {
      id: 'c:3',
      op: 'PATCH',
      table: 'schedules',
      rowId: JOB,
      data: {},
      code: 'forbidden',
    });
    await dismissRejection(t.db, 'c:3');
    expect((await getSyncIssues(t.db)).changes).toEqual([]);
    await expect(retryRejection(t.db, 'c:3')).resolves.toBe('unknown');
  });
});

// Row shapes of the synced tables as the screens read them, and the local writes they make
// (PowerSync queues each for upload; the server assigns org_id, updated_at and invoice numbers).
import type { PowerSyncDatabase } from '@powersync/react-native';

export interface ScheduleRow {
  id: string;
  customer: string | null;
  address: string | null;
  scheduled_at: string | null;
  status: string | null;
  notes: string | null;
}

export interface InvoiceRow {
  id: string;
  schedule_id: string | null;
  number: number | null;
  amount_cents: number | null;
  status: string | null;
  issued_at: string | null;
}

export const INVOICE_STATUSES = ['draft', 'sent', 'paid'] as const;

/** A new uuid from PowerSync's SQLite `uuid()` function. */
export async function newId(db: PowerSyncDatabase): Promise<string> {
  return (await db.get<{ id: string }>('SELECT uuid() AS id')).id;
}

export async function createSchedule(
  db: PowerSyncDatabase,
  input: { customer: string; address: string; scheduledAt: string },
): Promise<string> {
  const id = await newId(db);
  await db.execute(
    "INSERT INTO schedules (id, customer, address, scheduled_at, status) VALUES (?, ?, ?, ?, 'scheduled')",
    [id, input.customer, input.address, input.scheduledAt],
  );
  return id;
}

export async function setScheduleStatus(db: PowerSyncDatabase, id: string, status: string): Promise<void> {
  await db.execute('UPDATE schedules SET status = ? WHERE id = ?', [status, id]);
}

export async function createInvoice(db: PowerSyncDatabase, scheduleId: string): Promise<string> {
  const id = await newId(db);
  await db.execute("INSERT INTO invoices (id, schedule_id, amount_cents, status) VALUES (?, ?, 0, 'draft')", [
    id,
    scheduleId,
  ]);
  return id;
}

/** "12.50" → 1250; null for anything that is not a non-negative amount with ≤ 2 decimals. */
export function parseAmountCents(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

export function formatCents(cents: number | null): string {
  return cents === null ? '—' : (cents / 100).toFixed(2);
}

export async function updateInvoice(
  db: PowerSyncDatabase,
  id: string,
  change: { amountCents: number; status: string },
): Promise<void> {
  await db.execute('UPDATE invoices SET amount_cents = ?, status = ? WHERE id = ?', [
    change.amountCents,
    change.status,
    id,
  ]);
}

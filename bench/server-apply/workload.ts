import { randomUUID as uuid } from 'node:crypto';

/** One CRUD op as the PowerSync client uploads it. */
export interface Op {
  op_id: number;
  op: 'PUT' | 'PATCH' | 'DELETE';
  type: 'schedules' | 'invoices' | 'photos';
  id: string;
  tx_id: number;
  data?: Record<string, unknown>;
  old?: Record<string, unknown>;
}

/** Ops with increasing op_ids, each its own transaction, for one client. */
export class OpLog {
  private next = 1;
  readonly clientId = `bench-${uuid()}`;

  private op(op: Omit<Op, 'op_id' | 'tx_id'>): Op {
    const id = this.next++;
    return { ...op, op_id: id, tx_id: id };
  }
  put(type: Op['type'], id: string, data: Record<string, unknown>) {
    return this.op({ op: 'PUT', type, id, data });
  }
  patch(type: Op['type'], id: string, data: Record<string, unknown>, old?: Record<string, unknown>) {
    return this.op({ op: 'PATCH', type, id, data, ...(old ? { old } : {}) });
  }
  delete(type: Op['type'], id: string) {
    return this.op({ op: 'DELETE', type, id });
  }
}

/**
 * A day of a technician's edits, 10 ops a unit: new schedule, invoice and photo; patches of stored
 * rows of each table; deletes (children first); a second op on a row of the same batch. `setup`
 * holds the stored rows the unit edits, uploaded beforehand and not measured.
 */
export function workload(log: OpLog, units: number): { setup: Op[]; work: Op[] } {
  const setup: Op[] = [];
  const work: Op[] = [];
  const stored = Array.from({ length: units }, () => ({
    s: uuid(),
    s2: uuid(),
    i: uuid(),
    i2: uuid(),
    p: uuid(),
    p2: uuid(),
  }));
  for (const row of stored) {
    setup.push(
      log.put('schedules', row.s, { customer: 'Harbour Diner', address: '1 Quay St', status: 'scheduled' }),
      log.put('schedules', row.s2, { customer: 'Closed kitchen' }),
      log.put('invoices', row.i, { schedule_id: row.s, amount_cents: 100, status: 'draft' }),
      log.put('invoices', row.i2, { schedule_id: row.s2, amount_cents: 1 }),
      log.put('photos', row.p, { schedule_id: row.s, kind: 'before' }),
      log.put('photos', row.p2, { schedule_id: row.s2, kind: 'after' }),
    );
  }
  for (const row of stored) {
    const fresh = { s: uuid(), i: uuid(), p: uuid() };
    work.push(
      log.put('schedules', fresh.s, { customer: 'New site', scheduled_at: '2025-06-01T08:00:00.000Z' }),
      log.put('invoices', fresh.i, { schedule_id: fresh.s, amount_cents: 5000 }),
      log.put('photos', fresh.p, { schedule_id: fresh.s, kind: 'before', bytes: 2_000_000 }),
      log.patch('schedules', row.s, { notes: 'hood filters replaced', status: 'done' }),
      log.patch('invoices', row.i, { amount_cents: 250 }, { amount_cents: 100, status: 'draft' }),
      log.patch('photos', row.p, { width: 1024, height: 768 }),
      log.delete('photos', row.p2),
      log.delete('invoices', row.i2),
      log.delete('schedules', row.s2),
      log.patch('schedules', fresh.s, { notes: 'first visit' }),
    );
  }
  return { setup, work };
}

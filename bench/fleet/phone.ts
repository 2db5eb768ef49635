// One simulated phone of the load generator: its own dev-auth user, token and client_id; a
// technician's day of jobs as PowerSync would queue them (inserts, then patches carrying the
// previous values of guarded invoice columns), uploaded back-to-back in fixed-size batches; now and
// then the same batch again, as after a lost response. It remembers what the server confirmed so
// the rows can be checked afterwards.
import { randomUUID as uuid } from 'node:crypto';
import type { UploadAnswer } from '@vhd/sync-contract';

export type Table = 'schedules' | 'invoices' | 'photos';

export interface Op {
  op_id: number;
  op: 'PUT' | 'PATCH';
  type: Table;
  id: string;
  tx_id: number;
  data: Record<string, unknown>;
  old?: Record<string, unknown>;
}

/** A row's columns as the phone's confirmed ops left them. */
export interface ExpectedRow {
  table: Table;
  orgId: string;
  values: Record<string, unknown>;
}

/** What one request cost and did, as the load generator records it. */
export interface RequestRecord {
  /** Milliseconds since the run started, at the answer. */
  at: number;
  ms: number;
  /** Ops applied for the first time (0 for a retry). */
  applied: number;
  retry: boolean;
  status: number;
}

const CUSTOMERS = ['Harbour Diner', 'Golden Wok', 'Station Grill', 'Hotel Kitchen', 'School Canteen'];

export class Phone {
  readonly clientId: string;
  /** Confirmed state of every row this phone wrote. */
  readonly expected = new Map<string, ExpectedRow>();
  /** Ops the server confirmed as applied (first answers only). */
  confirmedOps = 0;
  lastConfirmedOp = 0;
  private nextOp: number;
  private nextTx: number;
  private jobs = 0;
  private queue: Op[] = [];

  /** `history` continues an existing client: its id and the op_id after its last one. */
  constructor(
    readonly userId: string,
    readonly orgId: string,
    readonly token: string,
    history?: { clientId: string; lastOpId: number },
  ) {
    this.clientId = history?.clientId ?? `fleet-${uuid()}`;
    this.nextOp = (history?.lastOpId ?? 0) + 1;
    this.nextTx = this.nextOp;
  }

  private tx(ops: Omit<Op, 'op_id' | 'tx_id'>[]) {
    const txId = this.nextTx++;
    for (const op of ops) this.queue.push({ ...op, op_id: this.nextOp++, tx_id: txId });
  }

  /** One visit: the schedule, its photos and invoice, then the edits of the day (9 ops, 8 transactions). */
  private queueJob() {
    const n = this.jobs++;
    const s = uuid();
    const inv = uuid();
    const amount = 10_000 + (n % 50) * 100;
    const day = new Date(Date.UTC(2026, 0, 1 + (n % 300), 8)).toISOString();
    this.tx([
      {
        op: 'PUT',
        type: 'schedules',
        id: s,
        data: {
          customer: CUSTOMERS[n % CUSTOMERS.length],
          address: `${n + 1} Quay Street`,
          scheduled_at: day,
          status: 'scheduled',
        },
      },
    ]);
    this.tx([{ op: 'PATCH', type: 'schedules', id: s, data: { status: 'in_progress' } }]);
    this.tx([
      {
        op: 'PUT',
        type: 'photos',
        id: uuid(),
        data: { schedule_id: s, kind: 'before', taken_at: day, bytes: 1_800_000, width: 4032, height: 3024 },
      },
      {
        op: 'PUT',
        type: 'photos',
        id: uuid(),
        data: { schedule_id: s, kind: 'after', taken_at: day, bytes: 1_900_000, width: 4032, height: 3024 },
      },
    ]);
    this.tx([
      {
        op: 'PUT',
        type: 'invoices',
        id: inv,
        data: { schedule_id: s, amount_cents: amount, status: 'draft', issued_at: day },
      },
    ]);
    this.tx([
      {
        op: 'PATCH',
        type: 'invoices',
        id: inv,
        data: { amount_cents: amount + 2_500 },
        old: { amount_cents: amount, status: 'draft' },
      },
    ]);
    this.tx([
      {
        op: 'PATCH',
        type: 'invoices',
        id: inv,
        data: { status: 'sent' },
        old: { amount_cents: amount + 2_500, status: 'draft' },
      },
    ]);
    this.tx([
      {
        op: 'PATCH',
        type: 'schedules',
        id: s,
        data: { status: 'done', notes: `filters replaced, visit ${n}` },
      },
    ]);
    this.tx([
      { op: 'PATCH', type: 'schedules', id: s, data: { notes: `filters replaced, visit ${n}; signed` } },
    ]);
  }

  /** The next `size` ops (whole transactions may straddle batches, as PowerSync's queue allows). */
  nextBatch(size: number): Op[] {
    while (this.queue.length < size) this.queueJob();
    return this.queue.splice(0, size);
  }

  /** Records a first answer: applied ops update the expected rows. Returns the ops rejected. */
  confirm(batch: Op[], answer: UploadAnswer): UploadAnswer['rejected'] {
    const applied = new Set(answer.applied);
    for (const op of batch) {
      if (!applied.has(op.op_id)) continue;
      const key = `${op.type}:${op.id}`;
      const row = this.expected.get(key);
      if (op.op === 'PUT' || !row)
        this.expected.set(key, { table: op.type, orgId: this.orgId, values: { ...op.data } });
      else Object.assign(row.values, op.data);
      this.confirmedOps++;
      this.lastConfirmedOp = Math.max(this.lastConfirmedOp, op.op_id);
    }
    return answer.rejected;
  }
}

// The office: dispatchers editing the organization's schedules and invoices on the server (a web
// back office writing to Postgres). Their edits reach the phones the way any server change does:
// replicated into the PowerSync service and downloaded. Each edit is logged as an intent of its own.
import type { IntentLog } from '../intentLog';
import type { Replicator } from './replicator';
import type { SimDb } from './simBackend';

const EDITABLE: Record<string, string[]> = {
  schedules: ['customer', 'address', 'scheduled_at', 'status', 'notes'],
  invoices: ['schedule_id', 'amount_cents', 'status', 'issued_at'],
};

export class Office {
  constructor(
    private readonly db: SimDb,
    private readonly replicator: Replicator,
    readonly orgId: string,
    readonly name: string,
  ) {}

  /** The organization exists before anyone signs in (the office set it up). */
  async setUp(displayName: string): Promise<void> {
    await this.db.query('INSERT INTO organizations (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
      this.orgId,
      displayName,
    ]);
  }

  /** Inserts a row (invoices get the organization's next number, as the server assigns them). */
  async insert(
    log: IntentLog | null,
    at: number,
    table: 'schedules' | 'invoices',
    id: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    const cols = checked(table, values);
    const names = ['id', 'org_id', ...cols];
    const params = [id, this.orgId, ...cols.map((c) => values[c])];
    const placeholders = names.map((_, i) => `$${i + 1}`);
    // One statement (the simulation's database connection may be another process's): an invoice
    // takes the organization's next number (its counter row) in it.
    await this.db.query(
      table === 'invoices'
        ? `WITH next AS (INSERT INTO invoice_counters AS c (org_id, last_number) VALUES ($2, 1)
             ON CONFLICT (org_id) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number AS number)
           INSERT INTO invoices (${names.join(', ')}, number) SELECT ${placeholders.join(', ')}, number FROM next`
        : `INSERT INTO ${table} (${names.join(', ')}) VALUES (${placeholders.join(', ')})`,
      params,
    );
    log?.addRow({ writer: this.name, at, op: 'insert', table, id, values });
    await this.replicator.replicate(this.orgId);
  }

  async update(
    log: IntentLog | null,
    at: number,
    table: 'schedules' | 'invoices',
    id: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    const cols = checked(table, values);
    const { rowCount } = await this.db.query(
      `UPDATE ${table} SET ${cols.map((c, i) => `${c} = $${i + 3}`).join(', ')}, updated_at = now()
       WHERE id = $1 AND org_id = $2`,
      [id, this.orgId, ...cols.map((c) => values[c])],
    );
    if (rowCount > 0) log?.addRow({ writer: this.name, at, op: 'update', table, id, values });
    await this.replicator.replicate(this.orgId);
    return rowCount > 0;
  }
}

function checked(table: string, values: Record<string, unknown>): string[] {
  const allowed = EDITABLE[table];
  if (!allowed) throw new Error(`the office does not edit ${table}`);
  const cols = Object.keys(values);
  for (const c of cols) if (!allowed.includes(c)) throw new Error(`the office does not edit ${table}.${c}`);
  return cols;
}

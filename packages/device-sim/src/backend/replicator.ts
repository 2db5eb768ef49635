// What the PowerSync service does with Postgres' logical replication, for the simulator: bring an
// organization's bucket in the PowerSync test double up to date with Postgres. It diffs the
// organization's rows (the sync config's columns, timestamps as the service renders them) against
// the double's and puts or removes only what changed. The gateway calls it before answering a CRUD
// upload, so a device's write checkpoint never overtakes its own writes; the double then delays
// both by its replication lag, as the service does.
import { SYNCED_TABLES } from '@vhd/background-sync';
import { type PowerSyncDouble, serviceTimestamptz } from '@vhd/powersync-double';
import type { SimDb } from './simBackend';

/** The client sends `cloudinary_signature` once with the confirmation; the server does not keep it. */
const CLIENT_ONLY_COLUMNS = new Set(['cloudinary_signature']);

/** Per synced table, the columns the sync config ships (apps/server/powersync/sync-config.yaml). */
export const REPLICATED_COLUMNS: Record<string, string[]> = Object.fromEntries(
  Object.entries(SYNCED_TABLES).map(([table, spec]) => [
    table,
    Object.keys(spec.columns).filter((c) => !CLIENT_ONLY_COLUMNS.has(c)),
  ]),
);

export type ReplicatedRow = { id: string } & Record<string, unknown>;

/**
 * An organization's rows as the sync config ships them, by table: timestamptz columns in the
 * service's text (`2026-12-04 19:11:27.625809Z`, from Postgres' own text, so microseconds survive).
 */
export async function readOrgRows(db: SimDb, orgId: string): Promise<Record<string, ReplicatedRow[]>> {
  const timestamptz = await timestamptzColumns(db);
  const out: Record<string, ReplicatedRow[]> = {};
  for (const [table, columns] of Object.entries(REPLICATED_COLUMNS)) {
    const zoned = timestamptz.get(table) ?? new Set<string>();
    const select = columns.map((c) => (zoned.has(c) ? `${c}::text AS ${c}` : c));
    const { rows } = await db.query<ReplicatedRow>(
      `SELECT id::text AS id, ${select.join(', ')} FROM ${table} WHERE org_id = $1 ORDER BY id`,
      [orgId],
    );
    for (const row of rows)
      for (const c of zoned) if (c in row) row[c] = serviceTimestamptz(row[c] as string | null);
    out[table] = rows;
  }
  return out;
}

const zonedColumns = new WeakMap<SimDb, Promise<Map<string, Set<string>>>>();

/** The synced tables' timestamptz columns, from the catalog (once per database). */
function timestamptzColumns(db: SimDb): Promise<Map<string, Set<string>>> {
  let found = zonedColumns.get(db);
  if (!found) {
    found = db
      .query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = current_schema() AND data_type = 'timestamp with time zone'
            AND table_name = ANY($1::text[])`,
        [Object.keys(REPLICATED_COLUMNS)],
      )
      .then(({ rows }) => {
        const byTable = new Map<string, Set<string>>();
        for (const r of rows)
          byTable.set(r.table_name, (byTable.get(r.table_name) ?? new Set()).add(r.column_name));
        return byTable;
      });
    zonedColumns.set(db, found);
  }
  return found;
}

export class Replicator {
  /** One pass at a time per organization; a request during a pass gets one more pass after it. */
  private readonly passes = new Map<string, { running: Promise<void>; again: Promise<void> | null }>();
  opsPut = 0;
  opsRemoved = 0;

  constructor(
    private readonly db: SimDb,
    private readonly double: PowerSyncDouble,
  ) {}

  /** Resolves once the double holds the organization's rows as Postgres had them at the call or later. */
  replicate(orgId: string): Promise<void> {
    const current = this.passes.get(orgId);
    if (!current) {
      const running = this.pass(orgId).finally(() => this.next(orgId));
      this.passes.set(orgId, { running, again: null });
      return running;
    }
    current.again ??= current.running.then(() => this.pass(orgId));
    return current.again;
  }

  private next(orgId: string): void {
    const current = this.passes.get(orgId);
    if (!current?.again) {
      this.passes.delete(orgId);
      return;
    }
    const running = current.again.finally(() => this.next(orgId));
    // Its callers hold `again` and see a failure (a server restarting); this copy must not go unhandled.
    running.catch(() => {});
    this.passes.set(orgId, { running, again: null });
  }

  private async pass(orgId: string): Promise<void> {
    const fresh = await readOrgRows(this.db, orgId);
    for (const [table, rows] of Object.entries(fresh)) {
      const held = new Map(this.double.rows(orgId, table).map((r) => [r.id, JSON.stringify(r)]));
      const changed = rows.filter((r) => held.get(r.id) !== JSON.stringify(r));
      if (changed.length > 0) {
        this.double.putRows(orgId, table, changed);
        this.opsPut += changed.length;
      }
      const ids = new Set(rows.map((r) => r.id));
      for (const id of held.keys()) {
        if (ids.has(id)) continue;
        this.double.deleteRow(orgId, table, id);
        this.opsRemoved++;
      }
    }
  }
}

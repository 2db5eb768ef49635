import type { Tx } from '../../db/types';
import { insertsNewRow, type RowChange } from './fold';
import { type ColumnSpec, SQL_TYPE, type SyncedTable, TABLE_ORDER, TABLES, type TableSpec } from './tables';

/**
 * A statement changed fewer rows than planned (e.g. a cascade removed a row the batch patches later):
 * the caller re-applies op by op, which sees what really happened.
 */
export class PlanDrift extends Error {}

const columnsOf = (spec: TableSpec) => Object.entries(spec.columns) as [string, ColumnSpec][];
const confirmedOf = (spec: TableSpec) => Object.entries(spec.confirmed ?? {}) as [string, ColumnSpec][];

function byTable(changes: readonly RowChange[], pick: (c: RowChange) => boolean) {
  const out = new Map<SyncedTable, RowChange[]>();
  for (const change of changes) {
    if (!pick(change)) continue;
    const list = out.get(change.table) ?? [];
    list.push(change);
    out.set(change.table, list);
  }
  return out;
}

async function deleteRows(tx: Tx, table: SyncedTable, rows: RowChange[], orgId: string) {
  await tx.query(`DELETE FROM ${table} WHERE org_id = $1 AND id = ANY($2::uuid[])`, [
    orgId,
    rows.map((r) => r.id),
  ]);
}

/** Hands out the next `count` invoice numbers of the organization (the row lock orders concurrent batches). */
async function takeNumbers(tx: Tx, orgId: string, count: number): Promise<number> {
  const { rows } = await tx.query<{ last: number }>(
    'UPDATE organizations SET last_invoice_number = last_invoice_number + $2 WHERE id = $1 RETURNING last_invoice_number AS last',
    [orgId, count],
  );
  const last = rows[0]?.last;
  if (last === undefined) throw new Error(`organization ${orgId} is missing`);
  return last - count + 1;
}

/** PUT-folded rows: one INSERT … SELECT FROM unnest … ON CONFLICT (id) DO UPDATE per table. */
async function upsertRows(tx: Tx, table: SyncedTable, rows: RowChange[], orgId: string) {
  const spec: TableSpec = TABLES[table];
  const columns = columnsOf(spec);
  const confirmed = confirmedOf(spec);
  const all = [...columns, ...confirmed];
  const params: unknown[] = [orgId, rows.map((r) => r.id)];
  const input = ['id uuid'];
  for (const [name, c] of all) {
    params.push(rows.map((r) => r.write?.values[name] ?? null));
    input.push(`${name} ${SQL_TYPE[c.type]}`);
  }
  const insertColumns = ['id', 'org_id', ...all.map(([n]) => n), 'updated_at'];
  const selected = ['u.id', '$1', ...all.map(([n]) => `u.${n}`), 'now()'];
  if (spec.numbered) {
    const fresh = rows.filter(insertsNewRow);
    let next = fresh.length > 0 ? await takeNumbers(tx, orgId, fresh.length) : 0;
    const numbers = new Map(fresh.map((r) => [r.id, next++]));
    params.push(rows.map((r) => numbers.get(r.id) ?? r.storedNumber));
    input.push('number int4');
    insertColumns.push('number');
    selected.push('u.number');
  }
  const arrays = input.map((col, i) => `$${i + 2}::${col.split(' ')[1]}[]`);
  const updates = [
    ...columns.map(([n]) => `${n} = EXCLUDED.${n}`),
    // Confirmed upload fields are only ever set by a verified confirmation, never cleared by a PUT.
    ...confirmed.map(([n]) => `${n} = COALESCE(EXCLUDED.${n}, t.${n})`),
    'updated_at = EXCLUDED.updated_at',
  ];
  const { rowCount } = await tx.query(
    `INSERT INTO ${table} AS t (${insertColumns.join(', ')})
     SELECT ${selected.join(', ')} FROM unnest(${arrays.join(', ')}) AS u(${input.map((c) => c.split(' ')[0]).join(', ')})
     ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')} WHERE t.org_id = EXCLUDED.org_id
     RETURNING t.id`,
    params,
  );
  if (rowCount !== rows.length) throw new PlanDrift(`${table}: upserted ${rowCount} of ${rows.length} rows`);
}

/** PATCH-folded rows: one UPDATE … FROM unnest per table, each row changing only its patched columns. */
async function updateRows(tx: Tx, table: SyncedTable, rows: RowChange[], orgId: string) {
  const spec: TableSpec = TABLES[table];
  const columns = columnsOf(spec);
  const confirmed = confirmedOf(spec);
  const params: unknown[] = [orgId, rows.map((r) => r.id)];
  const input = ['id'];
  const arrays = ['$2::uuid[]'];
  const sets: string[] = [];
  for (const [name, c] of columns) {
    params.push(
      rows.map((r) => r.write?.values[name] ?? null),
      rows.map((r) => r.write?.patched.has(name) ?? false),
    );
    arrays.push(`$${params.length - 1}::${SQL_TYPE[c.type]}[]`, `$${params.length}::boolean[]`);
    input.push(name, `set_${name}`);
    sets.push(`${name} = CASE WHEN u.set_${name} THEN u.${name} ELSE t.${name} END`);
  }
  for (const [name, c] of confirmed) {
    params.push(rows.map((r) => r.write?.values[name] ?? null));
    arrays.push(`$${params.length}::${SQL_TYPE[c.type]}[]`);
    input.push(name);
    sets.push(`${name} = COALESCE(u.${name}, t.${name})`);
  }
  const { rowCount } = await tx.query(
    `UPDATE ${table} AS t SET ${sets.join(', ')}, updated_at = now()
     FROM unnest(${arrays.join(', ')}) AS u(${input.join(', ')})
     WHERE t.id = u.id AND t.org_id = $1
     RETURNING t.id`,
    params,
  );
  if (rowCount !== rows.length) throw new PlanDrift(`${table}: updated ${rowCount} of ${rows.length} rows`);
}

/**
 * Writes folded row changes with a fixed number of statements per table and kind: deletes children
 * before parents, then upserts and updates parents before children.
 */
export async function applyChanges(tx: Tx, changes: readonly RowChange[], orgId: string): Promise<void> {
  const deletes = byTable(changes, (c) => c.deleteStored);
  const upserts = byTable(changes, (c) => c.write?.mode === 'replace');
  const updates = byTable(changes, (c) => c.write?.mode === 'merge');
  for (const table of [...TABLE_ORDER].reverse()) {
    const rows = deletes.get(table);
    if (rows) await deleteRows(tx, table, rows, orgId);
  }
  for (const table of TABLE_ORDER) {
    const rows = upserts.get(table);
    if (rows) await upsertRows(tx, table, rows, orgId);
  }
  for (const table of TABLE_ORDER) {
    const rows = updates.get(table);
    if (rows) await updateRows(tx, table, rows, orgId);
  }
}

import type { Tx } from '../db/types';
import { PLACEHOLDER_NUMBER } from './invoiceNumbers';
import { insertsNewRow, type RowChange } from './lastWriterWins';
import { type Param, parameters } from './statement';
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

/** One sub-statement of a write statement, and how many rows it must return. */
interface Write {
  sql: string;
  rows: number;
  what: string;
}

const deleteRows = (p: Param, table: SyncedTable, rows: RowChange[], orgId: string): Write => ({
  sql: `DELETE FROM ${table} WHERE org_id = ${p(orgId)} AND id = ANY(${p(rows.map((r) => r.id))}::uuid[]) RETURNING id`,
  rows: -1,
  what: `${table}: deleted`,
});

/** PUT-folded rows: INSERT … SELECT FROM unnest … ON CONFLICT (id) DO UPDATE, for one table. */
function upsertRows(p: Param, table: SyncedTable, rows: RowChange[], orgId: string): Write {
  const spec: TableSpec = TABLES[table];
  const columns = columnsOf(spec);
  const confirmed = confirmedOf(spec);
  const all = [...columns, ...confirmed];
  const org = p(orgId);
  const input = [{ name: 'id', array: `${p(rows.map((r) => r.id))}::uuid[]` }];
  for (const [name, c] of all)
    input.push({
      name,
      array: `${p(rows.map((r) => r.write?.values[name] ?? null))}::${SQL_TYPE[c.type]}[]`,
    });
  const insertColumns = ['id', 'org_id', ...all.map(([n]) => n), 'updated_at'];
  const selected = ['u.id', org, ...all.map(([n]) => `u.${n}`), 'now()'];
  if (spec.numbered) {
    // A new row gets a placeholder, numbered by the upload's last statement (invoiceNumbers.ts).
    input.push({
      name: 'number',
      array: `${p(rows.map((r) => (insertsNewRow(r) ? null : r.storedNumber)))}::int4[]`,
    });
    insertColumns.push('number');
    selected.push(`COALESCE(u.number, ${PLACEHOLDER_NUMBER})`);
  }
  const updates = [
    ...columns.map(([n]) => `${n} = EXCLUDED.${n}`),
    // Confirmed upload fields are only ever set by a verified confirmation, never cleared by a PUT.
    ...confirmed.map(([n]) => `${n} = COALESCE(EXCLUDED.${n}, t.${n})`),
    'updated_at = EXCLUDED.updated_at',
  ];
  return {
    sql: `INSERT INTO ${table} AS t (${insertColumns.join(', ')})
     SELECT ${selected.join(', ')} FROM unnest(${input.map((i) => i.array).join(', ')}) AS u(${input.map((i) => i.name).join(', ')})
     ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')} WHERE t.org_id = EXCLUDED.org_id
     RETURNING t.id`,
    rows: rows.length,
    what: `${table}: upserted`,
  };
}

/** PATCH-folded rows: UPDATE … FROM unnest, each row changing only its patched columns, for one table. */
function updateRows(p: Param, table: SyncedTable, rows: RowChange[], orgId: string): Write {
  const spec: TableSpec = TABLES[table];
  const input = [{ name: 'id', array: `${p(rows.map((r) => r.id))}::uuid[]` }];
  const sets: string[] = [];
  for (const [name, c] of columnsOf(spec)) {
    input.push(
      { name, array: `${p(rows.map((r) => r.write?.values[name] ?? null))}::${SQL_TYPE[c.type]}[]` },
      { name: `set_${name}`, array: `${p(rows.map((r) => r.write?.patched.has(name) ?? false))}::boolean[]` },
    );
    sets.push(`${name} = CASE WHEN u.set_${name} THEN u.${name} ELSE t.${name} END`);
  }
  for (const [name, c] of confirmedOf(spec)) {
    input.push({
      name,
      array: `${p(rows.map((r) => r.write?.values[name] ?? null))}::${SQL_TYPE[c.type]}[]`,
    });
    sets.push(`${name} = COALESCE(u.${name}, t.${name})`);
  }
  return {
    sql: `UPDATE ${table} AS t SET ${sets.join(', ')}, updated_at = now()
     FROM unnest(${input.map((i) => i.array).join(', ')}) AS u(${input.map((i) => i.name).join(', ')})
     WHERE t.id = u.id AND t.org_id = ${p(orgId)}
     RETURNING t.id`,
    rows: rows.length,
    what: `${table}: updated`,
  };
}

/**
 * Runs sub-statements as one statement (one round trip) and checks each returned the rows planned.
 * Each row is touched by at most one of them; foreign keys are checked at the end of the statement,
 * so a child may name a parent written beside it.
 */
async function runWrites(tx: Tx, build: (p: Param) => Write[]): Promise<void> {
  const { p, values } = parameters();
  const writes = build(p);
  if (writes.length === 0) return;
  const { rows } = await tx.query<Record<string, number>>(
    `WITH ${writes.map((w, i) => `w${i} AS (${w.sql})`).join(',\n')}
     SELECT ${writes.map((_, i) => `(SELECT count(*)::int FROM w${i}) AS w${i}`).join(', ')}`,
    values,
  );
  writes.forEach((w, i) => {
    const count = rows[0]?.[`w${i}`];
    if (w.rows >= 0 && count !== w.rows) throw new PlanDrift(`${w.what} ${count} of ${w.rows} rows`);
  });
}

/**
 * Writes folded row changes in at most two statements whatever the batch: the deletes, then the
 * upserts and updates of every table, overwriting the stored columns (last writer wins:
 * lastWriterWins.ts). A row deleted and written again (PUT after DELETE) needs the
 * first to finish before the second.
 */
export async function applyChanges(tx: Tx, changes: readonly RowChange[], orgId: string): Promise<void> {
  const deletes = byTable(changes, (c) => c.deleteStored);
  const upserts = byTable(changes, (c) => c.write?.mode === 'replace');
  const updates = byTable(changes, (c) => c.write?.mode === 'merge');
  await runWrites(tx, (p) =>
    [...TABLE_ORDER].reverse().flatMap((table) => {
      const rows = deletes.get(table);
      return rows ? [deleteRows(p, table, rows, orgId)] : [];
    }),
  );
  await runWrites(tx, (p) =>
    TABLE_ORDER.flatMap((table) => {
      const out: Write[] = [];
      const upserted = upserts.get(table);
      if (upserted) out.push(upsertRows(p, table, upserted, orgId));
      const updated = updates.get(table);
      if (updated) out.push(updateRows(p, table, updated, orgId));
      return out;
    }),
  );
}

import type { Tx } from '../db/types';
import type { ValidOp } from './ops';
import { rowKey, type StoredRow } from './plan';
import { parameters } from './statement';
import { type SyncedTable, TABLE_ORDER, TABLES, type TableSpec } from './tables';

/**
 * Loads and locks (FOR UPDATE, in id order, tables parents first) every row the ops touch or name as
 * parent: one statement, whatever the number of ops.
 */
export async function loadStoredRows(tx: Tx, ops: readonly ValidOp[]): Promise<Map<string, StoredRow>> {
  const ids = new Map<SyncedTable, Set<string>>();
  const want = (table: SyncedTable, id: string) => {
    const set = ids.get(table) ?? new Set<string>();
    set.add(id);
    ids.set(table, set);
  };
  for (const op of ops) {
    want(op.table, op.id);
    const parent = (TABLES[op.table] as TableSpec).parent;
    const parentId = parent && op.values[parent.column];
    if (parent && typeof parentId === 'string') want(parent.table, parentId);
  }
  const { p, values } = parameters();
  const locked: string[] = [];
  const selects: string[] = [];
  for (const table of TABLE_ORDER) {
    const wanted = ids.get(table);
    if (!wanted) continue;
    const spec: TableSpec = TABLES[table];
    const extra = [...(spec.guardedByOld ?? []), ...(spec.numbered ? ['number'] : [])];
    locked.push(
      `${table}_rows AS (SELECT ${['id', 'org_id', ...extra].join(', ')} FROM ${table}
        WHERE id = ANY(${p([...wanted])}::uuid[]) ORDER BY id FOR UPDATE)`,
    );
    const checked = extra.length
      ? `jsonb_build_object(${extra.map((c) => `'${c}', ${c}`).join(', ')})`
      : "'{}'::jsonb";
    selects.push(`SELECT '${table}' AS t, id, org_id, ${checked} AS v FROM ${table}_rows`);
  }
  const rows = new Map<string, StoredRow>();
  if (selects.length === 0) return rows;
  // The parts of a UNION ALL run in order: rows are locked tables parents first, each in id order.
  const result = await tx.query<{ t: SyncedTable; id: string; org_id: string; v: Record<string, unknown> }>(
    `WITH ${locked.join(',\n')}\n${selects.join('\nUNION ALL ')}`,
    values,
  );
  for (const { t, id, org_id, v } of result.rows) rows.set(rowKey(t, id), { orgId: org_id, values: v });
  return rows;
}

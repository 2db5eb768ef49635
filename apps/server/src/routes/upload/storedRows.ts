import type { Tx } from '../../db/types';
import type { ValidOp } from './ops';
import { rowKey, type StoredRow } from './plan';
import { type SyncedTable, TABLE_ORDER, TABLES, type TableSpec } from './tables';

/**
 * Loads and locks (FOR UPDATE, in id order, tables parents first) every row the ops touch or name as
 * parent: one statement per table, whatever the number of ops.
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
  const rows = new Map<string, StoredRow>();
  for (const table of TABLE_ORDER) {
    const wanted = ids.get(table);
    if (!wanted) continue;
    const spec: TableSpec = TABLES[table];
    const extra = [...(spec.guardedByOld ?? []), ...(spec.numbered ? ['number'] : [])];
    const result = await tx.query<Record<string, unknown> & { id: string; org_id: string }>(
      `SELECT ${['id', 'org_id', ...extra].join(', ')} FROM ${table}
       WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [[...wanted]],
    );
    for (const { id, org_id, ...values } of result.rows)
      rows.set(rowKey(table, id), { orgId: org_id, values });
  }
  return rows;
}

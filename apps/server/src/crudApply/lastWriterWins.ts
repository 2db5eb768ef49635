// Where the server decides conflicts. Last writer wins, per column, in server arrival order: the ops
// of a batch fold in op_id order (below) and the folded change overwrites the stored columns
// (writeRows.ts); nothing compares client timestamps, and `updated_at` is the server's. The one
// exception is the `old`-value rule: a PATCH carrying the previous values of a table's guarded
// columns (invoices' amount and status) applies only while the row still holds them, else `conflict`.
import type { Rejection, ValidOp } from './ops';
import { PUT_DEFAULTS, type SyncedTable, TABLES, type TableSpec } from './tables';

/**
 * The `old`-value rule: why a PATCH must not overwrite the row (`conflict`: a guarded column no
 * longer holds the value the client last saw), or null. `current` is the row as the batch left it.
 */
export function oldValueConflict(op: ValidOp, current: Readonly<Record<string, unknown>>): Rejection | null {
  if (op.kind !== 'PATCH' || !op.old) return null;
  for (const [column, previous] of Object.entries(op.old)) {
    const now = current[column] ?? null;
    if (now !== previous) {
      return {
        code: 'conflict',
        message: `${op.table} ${op.id}: ${column} is now ${JSON.stringify(now)}, not ${JSON.stringify(previous)}`,
      };
    }
  }
  return null;
}

/**
 * The net effect of a row's accepted ops, folded in op_id order so one set-based statement per table
 * and kind touches the row once: PUT replaces, PATCH merges, DELETE wins, PUT after DELETE re-creates.
 */
export interface RowChange {
  table: SyncedTable;
  id: string;
  /** The stored row must be deleted first (a DELETE came after it was loaded). */
  deleteStored: boolean;
  /** What to write afterwards: the whole row (`replace`, an upsert) or some columns (`merge`, an update). */
  write: { mode: 'replace' | 'merge'; values: Record<string, unknown>; patched: Set<string> } | null;
  /** The row exists in the database (this organization's) before the batch. */
  stored: boolean;
  /** The stored row's invoice number, kept when the row is replaced in place. */
  storedNumber: number | null;
}

export function newRowChange(
  table: SyncedTable,
  id: string,
  stored: boolean,
  storedNumber: number | null,
): RowChange {
  return { table, id, deleteStored: false, write: null, stored, storedNumber };
}

/** Folds one more accepted op into the row's change (ops must come in op_id order). */
export function foldOp(change: RowChange, op: ValidOp): void {
  switch (op.kind) {
    case 'DELETE':
      if (change.stored) change.deleteStored = true;
      change.write = null;
      return;
    case 'PUT': {
      // A PUT replaces the client's columns; an upload confirmed earlier in the batch stays.
      const confirmed = Object.keys((TABLES[op.table] as TableSpec).confirmed ?? {});
      const kept = Object.fromEntries(
        confirmed.flatMap((c) => (change.write?.values[c] == null ? [] : [[c, change.write.values[c]]])),
      );
      change.write = {
        mode: 'replace',
        values: { ...PUT_DEFAULTS[op.table], ...kept, ...op.values },
        patched: new Set(),
      };
      return;
    }
    case 'PATCH':
      if (change.write) {
        Object.assign(change.write.values, op.values);
        for (const column of Object.keys(op.values)) change.write.patched.add(column);
      } else {
        change.write = { mode: 'merge', values: { ...op.values }, patched: new Set(Object.keys(op.values)) };
      }
      return;
  }
}

/** Whether the change inserts a row that does not exist at insert time (it then needs a new number). */
export const insertsNewRow = (change: RowChange) =>
  change.write?.mode === 'replace' && (!change.stored || change.deleteStored);

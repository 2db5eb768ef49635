import { foldOp, newRowChange, oldValueConflict, type RowChange } from './lastWriterWins';
import { type Rejection, rejected, type ValidOp, type Verdict } from './ops';
import { PUT_DEFAULTS, type SyncedTable, TABLES, type TableSpec } from './tables';

/** A stored row as loaded (locked) before planning: its organization and the columns checks need. */
export interface StoredRow {
  orgId: string;
  values: Record<string, unknown>;
}

export const rowKey = (table: SyncedTable, id: string) => `${table}:${id}`;

/** The ops of one client transaction (or one op without tx_id), in op_id order. */
export interface TxGroup {
  txId: number | null;
  ops: ValidOp[];
}

interface SimRow {
  exists: boolean;
  orgId: string | null;
  values: Record<string, unknown>;
}

/** Why `op` cannot apply to the row as it stands, or null. */
function check(op: ValidOp, row: SimRow, orgId: string, lookup: (key: string) => SimRow): Rejection | null {
  if (row.orgId !== null && row.orgId !== orgId) {
    return { code: 'forbidden', message: `${op.table} ${op.id} belongs to another organization` };
  }
  if (op.kind === 'PATCH' && !row.exists)
    return { code: 'not_found', message: `${op.table} ${op.id} does not exist` };
  const spec: TableSpec = TABLES[op.table];
  const parentId = spec.parent && op.values[spec.parent.column];
  if (spec.parent && typeof parentId === 'string') {
    const parent = lookup(rowKey(spec.parent.table, parentId));
    if (parent.orgId !== null && parent.orgId !== orgId) {
      return {
        code: 'forbidden',
        message: `${spec.parent.column} refers to another organization's ${spec.parent.table}`,
      };
    }
  }
  return oldValueConflict(op, row.values);
}

function next(op: ValidOp, row: SimRow, orgId: string): SimRow {
  switch (op.kind) {
    case 'DELETE':
      return { exists: false, orgId: null, values: {} };
    case 'PUT':
      return { exists: true, orgId, values: { ...PUT_DEFAULTS[op.table], ...op.values } };
    case 'PATCH':
      return { ...row, values: { ...row.values, ...op.values } };
  }
}

/**
 * Plays the transactions in order against the loaded rows: a transaction with any op that cannot
 * apply (`forbidden`, `not_found`, `conflict`) is rejected whole and leaves no trace; the accepted
 * ops fold into one change per row.
 */
export function planBatch(
  groups: TxGroup[],
  stored: Map<string, StoredRow>,
  orgId: string,
): { rejections: Verdict[]; changes: RowChange[] } {
  const state = new Map<string, SimRow>();
  const read = (key: string): SimRow => {
    const known = state.get(key);
    if (known) return known;
    const row = stored.get(key);
    return row
      ? { exists: true, orgId: row.orgId, values: row.values }
      : { exists: false, orgId: null, values: {} };
  };
  const changes = new Map<string, RowChange>();
  const rejections: Verdict[] = [];

  for (const group of groups) {
    const overlay = new Map<string, SimRow>();
    const lookup = (key: string) => overlay.get(key) ?? read(key);
    let failure: { op: ValidOp; rejection: Rejection } | null = null;
    for (const op of group.ops) {
      const key = rowKey(op.table, op.id);
      const row = lookup(key);
      const rejection = check(op, row, orgId, lookup);
      if (rejection) {
        failure = { op, rejection };
        break;
      }
      overlay.set(key, next(op, row, orgId));
    }
    if (failure) {
      rejections.push(...rejectTransaction(group, failure.op, failure.rejection));
      continue;
    }
    for (const [key, row] of overlay) state.set(key, row);
    for (const op of group.ops) {
      const key = rowKey(op.table, op.id);
      let change = changes.get(key);
      if (!change) {
        const row = stored.get(key);
        change = newRowChange(
          op.table,
          op.id,
          row !== undefined,
          (row?.values.number as number | undefined) ?? null,
        );
        changes.set(key, change);
      }
      foldOp(change, op);
    }
  }
  return { rejections, changes: [...changes.values()] };
}

/** Every op of a transaction rejected because of one: the cause keeps its code, the rest `tx_rejected`. */
export function rejectTransaction(
  group: { txId: number | null; ops: readonly { opId: number; txId: number | null }[] },
  cause: { opId: number },
  rejection: Rejection,
): Verdict[] {
  return group.ops.map((op) =>
    op.opId === cause.opId
      ? rejected(op, rejection)
      : rejected(op, {
          code: 'tx_rejected',
          message: `transaction ${group.txId} rejected: op ${cause.opId} was refused (${rejection.code}: ${rejection.message})`,
        }),
  );
}

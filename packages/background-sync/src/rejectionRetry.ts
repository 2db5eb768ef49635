// A rejected change, handled by the technician: Retry writes the refused values again as a new
// local change (queued and uploaded like any other; for an invoice conflict this means "keep mine"
// over the office's edit), Dismiss accepts the server's version. Either way the rejection row goes,
// in the same transaction as the write.
import type { SyncDatabase } from './database';
import { SYNCED_TABLES } from './schema';

/** Set by the server only (DESIGN "Server contract" 3): never written back by a retry. */
const SERVER_OWNED = new Set(['updated_at', 'number', 'cloudinary_url']);

export type RetryResult = 'requeued' | 'row_gone' | 'unknown';

export async function retryRejection(
  db: Pick<SyncDatabase, 'writeTransaction'>,
  id: string,
): Promise<RetryResult> {
  return db.writeTransaction(async (tx) => {
    const r = await tx.getOptional<{
      op: string | null;
      table_name: string | null;
      row_id: string | null;
      data: string | null;
    }>('SELECT op, table_name, row_id, data FROM sync_rejections WHERE id = ?', [id]);
    if (!r) return 'unknown';
    const table = r.table_name && Object.hasOwn(SYNCED_TABLES, r.table_name) ? r.table_name : null;
    if (!table || !r.row_id) return 'unknown';
    const known = SYNCED_TABLES[table as keyof typeof SYNCED_TABLES].columns;
    const values = Object.entries(
      (JSON.parse(r.data ?? '{}') as { data?: Record<string, unknown> | null }).data ?? {},
    ).filter(([column]) => Object.hasOwn(known, column) && !SERVER_OWNED.has(column));
    const exists = await tx.getOptional(`SELECT 1 AS x FROM ${table} WHERE id = ?`, [r.row_id]);
    if (r.op === 'DELETE') {
      if (exists) await tx.execute(`DELETE FROM ${table} WHERE id = ?`, [r.row_id]);
    } else if (exists) {
      if (values.length > 0) {
        await tx.execute(`UPDATE ${table} SET ${values.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`, [
          ...values.map(([, v]) => v),
          r.row_id,
        ]);
      }
    } else if (r.op === 'PUT') {
      await tx.execute(
        `INSERT INTO ${table} (id${values.map(([c]) => `, ${c}`).join('')}) VALUES (?${', ?'.repeat(values.length)})`,
        [r.row_id, ...values.map(([, v]) => v)],
      );
    } else {
      return 'row_gone';
    }
    await tx.execute('DELETE FROM sync_rejections WHERE id = ?', [id]);
    return 'requeued';
  });
}

export async function dismissRejection(db: Pick<SyncDatabase, 'execute'>, id: string): Promise<void> {
  await db.execute('DELETE FROM sync_rejections WHERE id = ?', [id]);
}

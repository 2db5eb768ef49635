// The local-only `sync_settings` key/value table.
import type { SqlExecutor } from './database';

export async function readSyncSetting(db: SqlExecutor, key: string): Promise<string | null> {
  const row = await db.getOptional<{ value: string | null }>('SELECT value FROM sync_settings WHERE id = ?', [
    key,
  ]);
  return row?.value ?? null;
}

/** Call inside a write transaction. PowerSync views refuse UPSERT: update, then insert when no row was there. */
export async function writeSyncSetting(tx: SqlExecutor, key: string, value: string): Promise<void> {
  const existing = await tx.getOptional<{ id: string }>('SELECT id FROM sync_settings WHERE id = ?', [key]);
  if (existing) await tx.execute('UPDATE sync_settings SET value = ? WHERE id = ?', [value, key]);
  else await tx.execute('INSERT INTO sync_settings (id, value) VALUES (?, ?)', [key, value]);
}

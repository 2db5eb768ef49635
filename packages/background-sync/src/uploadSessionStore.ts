// The SQL of the local-only `photo_upload_sessions` table: one row per photo whose chunked upload
// is under way. PowerSync tables are views (no UPSERT), so a save is a delete and an insert in one
// write transaction.
import type { SqlExecutor, SyncDatabase } from './database';

export interface UploadSession {
  /** The media store's `X-Unique-Upload-Id`. */
  uploadId: string;
  /** Bytes of the file the store has confirmed (the next chunk starts here). */
  confirmed: number;
}

export async function readUploadSession(db: SqlExecutor, photoId: string): Promise<UploadSession | null> {
  const row = await db.getOptional<{ upload_id: string; confirmed: number }>(
    'SELECT upload_id, confirmed FROM photo_upload_sessions WHERE id = ?',
    [photoId],
  );
  return row ? { uploadId: row.upload_id, confirmed: row.confirmed } : null;
}

export function saveUploadSession(
  db: SyncDatabase,
  photoId: string,
  session: UploadSession,
  now: number,
): Promise<void> {
  return db.writeTransaction(async (tx) => {
    await tx.execute('DELETE FROM photo_upload_sessions WHERE id = ?', [photoId]);
    await tx.execute(
      'INSERT INTO photo_upload_sessions (id, upload_id, confirmed, updated_at) VALUES (?, ?, ?, ?)',
      [photoId, session.uploadId, session.confirmed, now],
    );
  });
}

export function deleteUploadSession(db: SqlExecutor, photoId: string): Promise<unknown> {
  return db.execute('DELETE FROM photo_upload_sessions WHERE id = ?', [photoId]);
}

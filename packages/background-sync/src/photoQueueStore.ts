// Every SQL statement against the local-only `photo_attachments` table: the queue's and the pass's
// writes, and the read API the Sync screen, the schedule screen, the overview, the health report
// and the simulator use (none of them has SQL or row types of its own for this table). PowerSync
// tables are views (rowsAffected is always 0), so every compare-and-set reads its rows inside the
// same write transaction.
import type { SqlExecutor, SyncDatabase } from './database';
import { byInstant } from './timestamps';

export type PhotoState = 'QUEUED_UPLOAD' | 'UPLOADING' | 'SYNCED' | 'FAILED';

export interface PhotoAttachment {
  id: string;
  /** Relative to the documents directory, e.g. `photos/<id>.jpg`; null once the original was cleaned up. */
  local_path: string | null;
  media_type: string;
  size: number;
  state: PhotoState;
  attempts: number;
  next_attempt_at: number;
  claimed_at: number | null;
  last_error: string | null;
  created_at: number;
  synced_at: number | null;
  upload_url: string | null;
  /** JSON of the signed multipart fields. */
  upload_fields: string | null;
  signed_at: number | null;
}

export interface SignedParams {
  url: string;
  fields: Record<string, string>;
  signedAt: number;
}

export interface Confirmation {
  publicId: string;
  version: number;
  signature: string;
}

// A photo is signed only once the server knows its row: no ps_crud entry for it may be pending.
// Not correlated, so SQLite evaluates it once per query, not once per queue item.
const NO_PENDING_CRUD = `a.id NOT IN (
  SELECT json_extract(c.data, '$.id') FROM ps_crud c
  WHERE json_extract(c.data, '$.type') = 'photos' AND json_extract(c.data, '$.id') IS NOT NULL)`;

/** A due item with what its local `photos` row says (none: the row was deleted). */
export interface DueItem extends PhotoAttachment {
  has_row: number;
  width: number | null;
  height: number | null;
}

/**
 * Items due now, oldest first: queued ones whose backoff has passed, and `UPLOADING` ones (the
 * caller guarantees no upload of this runtime is in flight, so those are a dead run's leftovers).
 * An item whose local row is gone is due at once, whatever is pending: it is not uploaded but
 * settled (FAILED if the server rejected the row, else discarded).
 */
export function selectDue(db: SqlExecutor, now: number): Promise<DueItem[]> {
  return db.getAll<DueItem>(
    `SELECT a.*, (p.id IS NOT NULL) AS has_row, p.width AS width, p.height AS height
     FROM photo_attachments a LEFT JOIN photos p ON p.id = a.id
     WHERE ((a.state = 'QUEUED_UPLOAD' AND (a.next_attempt_at <= ? OR p.id IS NULL)) OR a.state = 'UPLOADING')
       AND (p.id IS NULL OR ${NO_PENDING_CRUD})
     ORDER BY a.created_at, a.id`,
    [now],
  );
}

export async function photoRowExists(db: SqlExecutor, id: string): Promise<boolean> {
  return (await db.getOptional('SELECT id FROM photos WHERE id = ?', [id])) !== null;
}

/** The server's latest rejection of this photo's row, kept in `sync_rejections`, or null. */
export function rowRejection(
  db: SqlExecutor,
  id: string,
): Promise<{ code: string; message: string | null } | null> {
  return db.getOptional(
    `SELECT code, message FROM sync_rejections WHERE table_name = 'photos' AND row_id = ?
     ORDER BY created_at DESC, op_id DESC LIMIT 1`,
    [id],
  );
}

/** Removes an item from the queue (its photo row is gone: nothing to upload it for). */
export function deleteItem(db: SqlExecutor, id: string): Promise<unknown> {
  return db.execute('DELETE FROM photo_attachments WHERE id = ?', [id]);
}

export function getItem(db: SqlExecutor, id: string): Promise<PhotoAttachment | null> {
  return db.getOptional<PhotoAttachment>('SELECT * FROM photo_attachments WHERE id = ?', [id]);
}

export async function countByState(db: SqlExecutor): Promise<Record<PhotoState, number>> {
  const rows = await db.getAll<{ state: PhotoState; n: number }>(
    'SELECT state, count(*) AS n FROM photo_attachments GROUP BY state',
  );
  const counts: Record<PhotoState, number> = { QUEUED_UPLOAD: 0, UPLOADING: 0, SYNCED: 0, FAILED: 0 };
  for (const r of rows) counts[r.state] = r.n;
  return counts;
}

/** The `photos` row a capture creates (synced), written with its queue item. */
export interface CapturedPhotoRow {
  id: string;
  orgId: string | null;
  scheduleId: string | null;
  kind: 'before' | 'after' | null;
  takenAt: string;
  bytes: number;
  width: number | null;
  height: number | null;
}

/** The photo row and its `QUEUED_UPLOAD` item, in one write transaction. */
export function insertQueuedPhoto(
  db: SyncDatabase,
  photo: CapturedPhotoRow,
  item: { localPath: string; mediaType: string; now: number },
): Promise<void> {
  return db.writeTransaction(async (tx) => {
    await tx.execute(
      `INSERT INTO photos (id, org_id, schedule_id, kind, taken_at, bytes, width, height)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        photo.id,
        photo.orgId,
        photo.scheduleId,
        photo.kind,
        photo.takenAt,
        photo.bytes,
        photo.width,
        photo.height,
      ],
    );
    await tx.execute(
      `INSERT INTO photo_attachments (id, local_path, media_type, size, state, attempts, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, 'QUEUED_UPLOAD', 0, ?, ?)`,
      [photo.id, item.localPath, item.mediaType, photo.bytes, item.now, item.now],
    );
  });
}

/** Items in the given states (all when none given), oldest first. */
export function listPhotoItems(db: SqlExecutor, states?: PhotoState[]): Promise<PhotoAttachment[]> {
  const where = states?.length ? `WHERE state IN (${states.map(() => '?').join(', ')})` : '';
  return db.getAll<PhotoAttachment>(
    `SELECT * FROM photo_attachments ${where} ORDER BY created_at, id`,
    states ?? [],
  );
}

/** FAILED items, newest first (the overview's list). */
export function listFailed(
  db: SqlExecutor,
  limit: number,
): Promise<Array<Pick<PhotoAttachment, 'id' | 'local_path' | 'attempts' | 'last_error'>>> {
  return db.getAll(
    `SELECT id, local_path, attempts, last_error FROM photo_attachments WHERE state = 'FAILED'
     ORDER BY created_at DESC LIMIT ?`,
    [limit],
  );
}

/** A FAILED photo on its job, for the Sync screen's issues. */
export interface FailedPhotoRow {
  id: string;
  schedule_id: string | null;
  customer: string | null;
  kind: string | null;
  local_path: string | null;
  attempts: number;
  last_error: string | null;
  taken_at: string | null;
}

/** FAILED photos with their job (all, or one schedule's), newest first. */
export function listFailedOnJobs(
  db: Pick<SqlExecutor, 'getAll'>,
  opts: { scheduleId?: string; limit: number },
): Promise<FailedPhotoRow[]> {
  const scheduleFilter = opts.scheduleId === undefined ? '' : 'WHERE schedule_id = ?';
  const args = opts.scheduleId === undefined ? [opts.limit] : [opts.scheduleId, opts.limit];
  return db.getAll<FailedPhotoRow>(
    `SELECT id, schedule_id, customer, kind, local_path, attempts, last_error, taken_at FROM (
       SELECT a.id, p.schedule_id, s.customer, p.kind, a.local_path, a.attempts, a.last_error, p.taken_at,
              a.created_at
         FROM photo_attachments a
         LEFT JOIN photos p ON p.id = a.id
         LEFT JOIN schedules s ON s.id = p.schedule_id
        WHERE a.state = 'FAILED')
     ${scheduleFilter} ORDER BY created_at DESC LIMIT ?`,
    args,
  );
}

/** A schedule's photo with its queue state (null: not in this device's queue, e.g. another's). */
export interface SchedulePhotoRow {
  id: string;
  kind: string | null;
  taken_at: string | null;
  cloudinary_url: string | null;
  /** The original under the documents directory, while kept. */
  local_path: string | null;
  state: PhotoState | null;
  last_error: string | null;
}

/**
 * The query behind a schedule's photo list, oldest first, as SQL and parameters: the app runs it
 * as a live query (the database's watch API needs the statement itself).
 */
export function schedulePhotosQuery(scheduleId: string): { sql: string; parameters: unknown[] } {
  return {
    sql: `SELECT p.id, p.kind, p.taken_at, p.cloudinary_url, a.local_path, a.state, a.last_error
            FROM photos p LEFT JOIN photo_attachments a ON a.id = p.id
           WHERE p.schedule_id = ? ORDER BY ${byInstant('p.taken_at')}, p.id`,
    parameters: [scheduleId],
  };
}

export function saveSigned(db: SqlExecutor, id: string, params: SignedParams): Promise<unknown> {
  return db.execute(
    `UPDATE photo_attachments SET upload_url = ?, upload_fields = ?, signed_at = ?
     WHERE id = ? AND state IN ('QUEUED_UPLOAD', 'UPLOADING')`,
    [params.url, JSON.stringify(params.fields), params.signedAt, id],
  );
}

export function signedParamsOf(item: PhotoAttachment): SignedParams | null {
  if (!item.upload_url || !item.upload_fields || item.signed_at == null) return null;
  return { url: item.upload_url, fields: JSON.parse(item.upload_fields), signedAt: item.signed_at };
}

export function markUploading(db: SqlExecutor, id: string, now: number): Promise<unknown> {
  return db.execute(`UPDATE photo_attachments SET state = 'UPLOADING', claimed_at = ? WHERE id = ?`, [
    now,
    id,
  ]);
}

/**
 * Back to the queue, due at `dueAt`. An upload that started and did not finish may have reached the
 * store, so its signed params are dropped: the next try asks the server first.
 */
export function markQueued(
  db: SqlExecutor,
  id: string,
  change: { dueAt: number; attempts?: number; lastError: string | null; dropSigned: boolean },
): Promise<unknown> {
  const signed = change.dropSigned ? ', upload_url = NULL, upload_fields = NULL, signed_at = NULL' : '';
  return db.execute(
    `UPDATE photo_attachments
     SET state = 'QUEUED_UPLOAD', next_attempt_at = ?, attempts = coalesce(?, attempts), last_error = ?,
         claimed_at = NULL${signed}
     WHERE id = ?`,
    [change.dueAt, change.attempts ?? null, change.lastError, id],
  );
}

export function markFailed(db: SqlExecutor, id: string, attempts: number, reason: string): Promise<unknown> {
  return db.execute(
    `UPDATE photo_attachments
     SET state = 'FAILED', attempts = ?, last_error = ?, claimed_at = NULL,
         upload_url = NULL, upload_fields = NULL, signed_at = NULL
     WHERE id = ?`,
    [attempts, reason, id],
  );
}

/**
 * `SYNCED`, and with a confirmation also the photo row's CRUD PATCH — one write transaction, so a
 * kill leaves either both or neither.
 */
export function markSynced(
  db: SyncDatabase,
  id: string,
  now: number,
  confirmation: Confirmation | null,
): Promise<void> {
  return db.writeTransaction(async (tx) => {
    if (confirmation) {
      await tx.execute(
        `UPDATE photos SET cloudinary_public_id = ?, cloudinary_version = ?, cloudinary_signature = ?
         WHERE id = ?`,
        [confirmation.publicId, confirmation.version, confirmation.signature, id],
      );
    }
    await tx.execute(
      `UPDATE photo_attachments
       SET state = 'SYNCED', synced_at = ?, last_error = NULL, claimed_at = NULL,
           upload_url = NULL, upload_fields = NULL, signed_at = NULL
       WHERE id = ?`,
      [now, id],
    );
  });
}

/** Makes FAILED items (all, or the one given) due now with a fresh attempt count; returns how many. */
export function requeueFailed(db: SyncDatabase, now: number, id?: string): Promise<number> {
  return db.writeTransaction(async (tx) => {
    const where = id === undefined ? `state = 'FAILED'` : `state = 'FAILED' AND id = ?`;
    const args = id === undefined ? [] : [id];
    const { n } = await tx.get<{ n: number }>(
      `SELECT count(*) AS n FROM photo_attachments WHERE ${where}`,
      args,
    );
    await tx.execute(
      `UPDATE photo_attachments
       SET state = 'QUEUED_UPLOAD', attempts = 0, next_attempt_at = ?, last_error = NULL
       WHERE ${where}`,
      [now, ...args],
    );
    return n;
  });
}

/** Makes a waiting item (in backoff) due now, keeping its attempt count; returns whether it was waiting. */
export function expediteQueued(db: SyncDatabase, now: number, id: string): Promise<boolean> {
  return db.writeTransaction(async (tx) => {
    const row = await tx.getOptional<{ id: string }>(
      `SELECT id FROM photo_attachments WHERE id = ? AND state = 'QUEUED_UPLOAD'`,
      [id],
    );
    if (!row) return false;
    await tx.execute('UPDATE photo_attachments SET next_attempt_at = ? WHERE id = ?', [now, id]);
    return true;
  });
}

/** SYNCED items whose original is still on disk and was synced at or before `syncedBefore`. */
export function selectCleanable(
  db: SqlExecutor,
  syncedBefore: number,
): Promise<Array<Pick<PhotoAttachment, 'id' | 'local_path'>>> {
  return db.getAll(
    `SELECT id, local_path FROM photo_attachments
     WHERE state = 'SYNCED' AND local_path IS NOT NULL AND synced_at <= ?
     ORDER BY synced_at`,
    [syncedBefore],
  );
}

export function clearLocalPath(db: SqlExecutor, id: string): Promise<unknown> {
  return db.execute(`UPDATE photo_attachments SET local_path = NULL WHERE id = ? AND state = 'SYNCED'`, [id]);
}

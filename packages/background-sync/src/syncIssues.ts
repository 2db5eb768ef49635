// What needs the technician: FAILED photos and rejected changes, each placed on its job (customer,
// before/after) so the job screen can show them with a thumbnail and a Retry, and the Sync screen
// can link to the record. A rejected insert may no longer have its local row (the next download
// removes what the server never took): the job then comes from the rejected op's own data.
import type { SyncDatabase } from './database';
import { listFailedOnJobs } from './photoQueueStore';

export interface PhotoIssue {
  photoId: string;
  scheduleId: string | null;
  customer: string | null;
  kind: string | null;
  /** Relative to the documents directory (the queue's localFile() makes it absolute). */
  localPath: string | null;
  attempts: number;
  lastError: string | null;
  takenAt: string | null;
}

export interface ChangeIssue {
  /** The sync_rejections row. */
  id: string;
  op: string | null;
  table: string | null;
  rowId: string | null;
  code: string;
  message: string;
  createdAt: number;
  scheduleId: string | null;
  customer: string | null;
  /** The values the server refused (`{ column: value }`), for the technician to judge. */
  values: Record<string, unknown>;
}

export interface SyncIssues {
  photos: PhotoIssue[];
  changes: ChangeIssue[];
}

export async function getSyncIssues(
  db: Pick<SyncDatabase, 'getAll'>,
  opts: { scheduleId?: string; limit?: number } = {},
): Promise<SyncIssues> {
  const limit = opts.limit ?? 100;
  const scheduleFilter = opts.scheduleId === undefined ? '' : 'WHERE schedule_id = ?';
  const args = opts.scheduleId === undefined ? [limit] : [opts.scheduleId, limit];
  const photos = await listFailedOnJobs(db, {
    limit,
    ...(opts.scheduleId === undefined ? {} : { scheduleId: opts.scheduleId }),
  });
  const changes = await db.getAll<{
    id: string;
    op: string | null;
    table_name: string | null;
    row_id: string | null;
    code: string;
    message: string;
    created_at: number;
    data: string | null;
    schedule_id: string | null;
    customer: string | null;
  }>(
    `SELECT j.*, s.customer FROM (
       SELECT r.id, r.op, r.table_name, r.row_id, r.code, r.message, r.created_at, r.data,
              CASE r.table_name
                WHEN 'schedules' THEN r.row_id
                WHEN 'invoices' THEN COALESCE((SELECT schedule_id FROM invoices WHERE id = r.row_id),
                                              json_extract(r.data, '$.data.schedule_id'))
                WHEN 'photos' THEN COALESCE((SELECT schedule_id FROM photos WHERE id = r.row_id),
                                            json_extract(r.data, '$.data.schedule_id'))
              END AS schedule_id
         FROM sync_rejections r) j
       LEFT JOIN schedules s ON s.id = j.schedule_id
     ${scheduleFilter.replace('schedule_id', 'j.schedule_id')} ORDER BY j.created_at DESC LIMIT ?`,
    args,
  );
  return {
    photos: photos.map((p) => ({
      photoId: p.id,
      scheduleId: p.schedule_id,
      customer: p.customer,
      kind: p.kind,
      localPath: p.local_path,
      attempts: p.attempts,
      lastError: p.last_error,
      takenAt: p.taken_at,
    })),
    changes: changes.map((c) => ({
      id: c.id,
      op: c.op,
      table: c.table_name,
      rowId: c.row_id,
      code: c.code,
      message: c.message,
      createdAt: c.created_at,
      scheduleId: c.schedule_id,
      customer: c.customer,
      values: rejectedValues(c.data),
    })),
  };
}

function rejectedValues(data: string | null): Record<string, unknown> {
  if (!data) return {};
  try {
    const parsed = JSON.parse(data) as { data?: Record<string, unknown> | null };
    return parsed.data ?? {};
  } catch {
    return {};
  }
}

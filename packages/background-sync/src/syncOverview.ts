// What the Sync screen shows: pending changes, photos by state, recent runs (killed ones named as
// such), rejected changes, and when sync last succeeded.
import type { SqlExecutor, SyncDatabase } from './database';
import { countByState, listFailed } from './photoQueueStore';
import { listRuns, type RunSummary } from './runLog';

export interface RejectionSummary {
  id: string;
  opId: number;
  txId: number | null;
  op: string | null;
  table: string | null;
  rowId: string | null;
  /** JSON `{ data, old }` of the rejected op. */
  data: string | null;
  code: string;
  message: string;
  createdAt: number;
}

interface RejectionRow {
  id: string;
  op_id: number;
  tx_id: number | null;
  op: string | null;
  table_name: string | null;
  row_id: string | null;
  data: string | null;
  code: string;
  message: string;
  created_at: number;
}

const toRejectionSummary = (r: RejectionRow): RejectionSummary => ({
  id: r.id,
  opId: r.op_id,
  txId: r.tx_id,
  op: r.op,
  table: r.table_name,
  rowId: r.row_id,
  data: r.data,
  code: r.code,
  message: r.message,
  createdAt: r.created_at,
});

/** Every rejected change still kept, in op order (the simulator's consistency check reads them all). */
export async function listRejections(db: SqlExecutor): Promise<RejectionSummary[]> {
  const rows = await db.getAll<RejectionRow>('SELECT * FROM sync_rejections ORDER BY op_id');
  return rows.map(toRejectionSummary);
}

export interface FailedPhoto {
  id: string;
  localPath: string | null;
  attempts: number;
  lastError: string | null;
}

export interface SyncOverview {
  /** Local changes waiting for upload (ps_crud entries). */
  pendingChanges: number;
  photos: {
    /** Count per state (QUEUED_UPLOAD, UPLOADING, SYNCED, FAILED); states with no photo are absent. */
    byState: Record<string, number>;
    /** FAILED photos with their reason (the Sync screen offers Retry). */
    failed: FailedPhoto[];
  };
  /** Newest first. */
  lastRuns: RunSummary[];
  /** The run active in this runtime right now, if any. */
  activeRunId: string | null;
  rejections: { total: number; latest: RejectionSummary[] };
  /** When the last run that ended `completed` finished (epoch ms). */
  lastSuccessfulSyncAt: number | null;
  /** When the sync stream last reached a checkpoint (epoch ms), as the SDK reports it. */
  lastDownloadAt: number | null;
}

export async function getSyncOverview(
  db: SyncDatabase,
  opts: { activeRunId: string | null; runs?: number; rejections?: number; failedPhotos?: number },
): Promise<SyncOverview> {
  return db.readTransaction(async (tx) => {
    const pending = await tx.get<{ n: number }>('SELECT count(*) AS n FROM ps_crud');
    const states = await countByState(tx);
    const failed = await listFailed(tx, opts.failedPhotos ?? 50);
    const lastRuns = await listRuns(tx, opts.runs ?? 20, opts.activeRunId);
    const rejectionTotal = await tx.get<{ n: number }>('SELECT count(*) AS n FROM sync_rejections');
    const rejections = await tx.getAll<RejectionRow>(
      'SELECT * FROM sync_rejections ORDER BY created_at DESC, op_id DESC LIMIT ?',
      [opts.rejections ?? 50],
    );
    const lastOk = await tx.getOptional<{ at: number | null }>(
      "SELECT max(finished_at) AS at FROM sync_runs WHERE outcome = 'completed'",
    );
    const lastSynced = db.currentStatus.lastSyncedAt;
    return {
      pendingChanges: pending.n,
      photos: {
        byState: Object.fromEntries(Object.entries(states).filter(([, n]) => n > 0)),
        failed: failed.map((f) => ({
          id: f.id,
          localPath: f.local_path,
          attempts: f.attempts,
          lastError: f.last_error,
        })),
      },
      lastRuns,
      activeRunId: opts.activeRunId,
      rejections: {
        total: rejectionTotal.n,
        latest: rejections.map(toRejectionSummary),
      },
      lastSuccessfulSyncAt: lastOk?.at ?? null,
      lastDownloadAt: lastSynced ? lastSynced.getTime() : null,
    };
  });
}

// The sync health report a device sends to `POST /api/syncHealth`: who it is, whether the OS lets
// background sync run, its queues, and the runs its log holds that the server has not had yet —
// compact (a few numbers a run, at most MAX_RUNS_PER_REPORT runs a request).
import type { ReportedRun, SyncHealthReport } from '@vhd/sync-contract';
import type { SqlExecutor } from './database';
import { countByState } from './photoQueueStore';
import type { RunRow } from './runLog';

export const MAX_RUNS_PER_REPORT = 50;
const MAX_REASON_CHARS = 200;

export type { ReportedRun, SyncHealthReport };

/** Where the last accepted report ended in the run log (started_at, id order). */
export interface ReportedThrough {
  startedAt: number;
  id: string;
}

/**
 * Runs after `through` that have ended, oldest first. The batch stops before a row still
 * `running`: that run is either active (reported when it ends) or dead (marked `killed` by the
 * next start, then reported) — so the watermark never passes a run the server has not seen end.
 */
export async function unreportedRuns(
  db: SqlExecutor,
  through: ReportedThrough | null,
  limit = MAX_RUNS_PER_REPORT,
): Promise<ReportedRun[]> {
  const rows = await db.getAll<RunRow>(
    `SELECT id, trigger, budget_ms, started_at, finished_at, state, outcome, error, report FROM sync_runs
     WHERE ? IS NULL OR started_at > ? OR (started_at = ? AND id > ?)
     ORDER BY started_at, id LIMIT ?`,
    [through?.startedAt ?? null, through?.startedAt ?? 0, through?.startedAt ?? 0, through?.id ?? '', limit],
  );
  const runs: ReportedRun[] = [];
  for (const row of rows) {
    if (row.state === 'running') break;
    runs.push(toReportedRun(row));
  }
  return runs;
}

function toReportedRun(row: RunRow): ReportedRun {
  const report = row.report
    ? (JSON.parse(row.report) as { counts?: Record<string, number>; reason?: string; bytesSent?: number })
    : null;
  const c = report?.counts ?? {};
  const reason = report?.reason ?? row.error ?? undefined;
  return {
    id: row.id,
    trigger: row.trigger as ReportedRun['trigger'],
    budgetMs: row.budget_ms,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.state === 'killed' ? 'killed' : ((row.outcome ?? 'killed') as ReportedRun['outcome']),
    ...(reason ? { reason: reason.slice(0, MAX_REASON_CHARS) } : {}),
    applied: c['crud.applied'] ?? 0,
    rejected: c['crud.rejected'] ?? 0,
    photos: (c['photos.uploaded'] ?? 0) + (c['photos.alreadyUploaded'] ?? 0),
    photosFailed: c['photos.failed'] ?? 0,
    bytes: report?.bytesSent ?? 0,
  };
}

/** The queues as the Sync screen counts them. */
export async function queueState(db: SqlExecutor): Promise<SyncHealthReport['queue']> {
  const photos = await countByState(db);
  const row = await db.get<{
    pending: number;
    rejected: number;
    last_ok: number | null;
  }>(
    `SELECT
       (SELECT count(*) FROM ps_crud) AS pending,
       (SELECT count(*) FROM sync_rejections) AS rejected,
       (SELECT max(finished_at) FROM sync_runs WHERE outcome = 'completed') AS last_ok`,
  );
  return {
    pendingChanges: row.pending,
    pendingPhotos: photos.QUEUED_UPLOAD + photos.UPLOADING,
    failedPhotos: photos.FAILED,
    rejectedChanges: row.rejected,
    lastSuccessfulSyncAt: row.last_ok,
  };
}

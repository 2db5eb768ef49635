// Device sync health in Postgres (migration 005): saving a report with bounded retention, and what
// the office page reads. Every statement is scoped by organization.
import type { SyncHealthAnswer, SyncHealthReport } from '@vhd/sync-contract';
import type { Db, Queryable } from '../db/types';

type Capability = SyncHealthReport['capability'];

export const RETENTION = {
  /** Runs older than this (by their start) are dropped when the device reports again. */
  runMaxAgeMs: 14 * 24 * 3_600_000,
  /** At most this many runs per device. */
  runsPerDevice: 1_000,
  /** A device that has not reported for this long is dropped with its runs. */
  deviceMaxSilenceMs: 90 * 24 * 3_600_000,
};

export interface Reporter {
  orgId: string;
  userId: string;
}

/**
 * Stores one report. Run times are moved onto the server's clock by the difference between the
 * phone's clock (`sentAt`) and the server's at arrival; a run reported twice is overwritten.
 */
export async function saveReport(
  db: Db,
  who: Reporter,
  report: SyncHealthReport,
  clockMs: number,
): Promise<SyncHealthAnswer> {
  const nowMs = Math.round(clockMs);
  const skewMs = report.sentAt - nowMs;
  const q = report.queue;
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO device_sync_devices (org_id, device_id, user_id, platform, device_name, app_version,
         capability, pending_changes, pending_photos, failed_photos, rejected_changes,
         last_successful_sync_at, clock_skew_ms, reported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11,
         to_timestamp($12::double precision / 1000), $13, to_timestamp($14::double precision / 1000))
       ON CONFLICT (org_id, device_id) DO UPDATE SET
         user_id = EXCLUDED.user_id, platform = EXCLUDED.platform, device_name = EXCLUDED.device_name,
         app_version = EXCLUDED.app_version, capability = EXCLUDED.capability,
         pending_changes = EXCLUDED.pending_changes, pending_photos = EXCLUDED.pending_photos,
         failed_photos = EXCLUDED.failed_photos, rejected_changes = EXCLUDED.rejected_changes,
         last_successful_sync_at = EXCLUDED.last_successful_sync_at,
         clock_skew_ms = EXCLUDED.clock_skew_ms, reported_at = EXCLUDED.reported_at`,
      [
        who.orgId,
        report.device.id,
        who.userId,
        report.device.platform,
        report.device.name ?? null,
        report.device.appVersion ?? null,
        JSON.stringify(report.capability),
        q.pendingChanges,
        q.pendingPhotos,
        q.failedPhotos,
        q.rejectedChanges,
        q.lastSuccessfulSyncAt === null ? null : q.lastSuccessfulSyncAt - skewMs,
        skewMs,
        nowMs,
      ],
    );
    if (report.runs.length > 0) {
      const runs = report.runs.map((r) => ({
        run_id: r.id,
        trigger: r.trigger,
        budget_ms: r.budgetMs,
        started_ms: r.startedAt - skewMs,
        finished_ms: r.finishedAt === null ? null : r.finishedAt - skewMs,
        duration_ms: r.finishedAt === null ? null : Math.max(0, r.finishedAt - r.startedAt),
        outcome: r.outcome,
        reason: r.reason ?? null,
        ops_applied: r.applied,
        ops_rejected: r.rejected,
        photos_uploaded: r.photos,
        photos_failed: r.photosFailed,
        bytes_sent: r.bytes,
      }));
      await tx.query(
        `INSERT INTO device_sync_runs (org_id, device_id, run_id, user_id, trigger, budget_ms, started_at,
           finished_at, duration_ms, outcome, reason, ops_applied, ops_rejected, photos_uploaded,
           photos_failed, bytes_sent, received_at)
         SELECT $1, $2, r.run_id, $3, r.trigger, r.budget_ms, to_timestamp(r.started_ms::double precision / 1000),
           to_timestamp(r.finished_ms::double precision / 1000), r.duration_ms, r.outcome, r.reason,
           r.ops_applied, r.ops_rejected, r.photos_uploaded, r.photos_failed, r.bytes_sent,
           to_timestamp($5::double precision / 1000)
         FROM jsonb_to_recordset($4::jsonb) AS r(run_id text, trigger text, budget_ms integer,
           started_ms bigint, finished_ms bigint, duration_ms integer, outcome text, reason text,
           ops_applied integer, ops_rejected integer, photos_uploaded integer, photos_failed integer,
           bytes_sent bigint)
         ON CONFLICT (org_id, device_id, run_id) DO UPDATE SET
           finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms,
           outcome = EXCLUDED.outcome, reason = EXCLUDED.reason, ops_applied = EXCLUDED.ops_applied,
           ops_rejected = EXCLUDED.ops_rejected, photos_uploaded = EXCLUDED.photos_uploaded,
           photos_failed = EXCLUDED.photos_failed, bytes_sent = EXCLUDED.bytes_sent,
           received_at = EXCLUDED.received_at`,
        [who.orgId, report.device.id, who.userId, JSON.stringify(runs), nowMs],
      );
    }
    await prune(tx, who.orgId, report.device.id, nowMs);
    return { runs: report.runs.length };
  });
}

async function prune(tx: Queryable, orgId: string, deviceId: string, nowMs: number): Promise<void> {
  await tx.query(
    `DELETE FROM device_sync_runs WHERE org_id = $1 AND device_id = $2 AND (
       started_at < to_timestamp($3::double precision / 1000)
       OR run_id NOT IN (SELECT run_id FROM device_sync_runs WHERE org_id = $1 AND device_id = $2
                         ORDER BY started_at DESC, run_id DESC LIMIT $4))`,
    [orgId, deviceId, nowMs - RETENTION.runMaxAgeMs, RETENTION.runsPerDevice],
  );
  await tx.query(
    'DELETE FROM device_sync_devices WHERE org_id = $1 AND reported_at < to_timestamp($2::double precision / 1000)',
    [orgId, nowMs - RETENTION.deviceMaxSilenceMs],
  );
}

export interface DeviceHealthRow {
  deviceId: string;
  userId: string;
  platform: string;
  deviceName: string | null;
  appVersion: string | null;
  capability: Capability;
  pendingChanges: number;
  pendingPhotos: number;
  failedPhotos: number;
  rejectedChanges: number;
  lastSuccessfulSyncAt: number | null;
  reportedAt: number;
  /** The last background run at any age (start, outcome). */
  lastBackgroundRun: { startedAt: number; outcome: string } | null;
  /** The oldest run kept, for devices that never ran in the background. */
  firstRunAt: number | null;
}

export interface RunRow {
  deviceId: string;
  runId: string;
  trigger: string;
  budgetMs: number;
  startedAt: number;
  finishedAt: number | null;
  outcome: string;
  reason: string | null;
  applied: number;
  rejected: number;
  photos: number;
  photosFailed: number;
  bytes: number;
}

const ms = (column: string) => `round(extract(epoch FROM ${column}) * 1000)::bigint`;

export async function listDevices(db: Queryable, orgId: string): Promise<DeviceHealthRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT d.device_id, d.user_id, d.platform, d.device_name, d.app_version, d.capability,
       d.pending_changes, d.pending_photos, d.failed_photos, d.rejected_changes,
       ${ms('d.last_successful_sync_at')} AS last_ok, ${ms('d.reported_at')} AS reported,
       ${ms('b.started_at')} AS bg_at, b.outcome AS bg_outcome,
       (SELECT ${ms('min(started_at)')} FROM device_sync_runs f WHERE f.org_id = d.org_id AND f.device_id = d.device_id) AS first_run
     FROM device_sync_devices d
     LEFT JOIN LATERAL (
       SELECT started_at, outcome FROM device_sync_runs r
       WHERE r.org_id = d.org_id AND r.device_id = d.device_id AND r.trigger = 'background'
       ORDER BY started_at DESC LIMIT 1
     ) b ON true
     WHERE d.org_id = $1
     ORDER BY d.user_id, d.device_name NULLS LAST, d.device_id`,
    [orgId],
  );
  return rows.map((r) => ({
    deviceId: String(r.device_id),
    userId: String(r.user_id),
    platform: String(r.platform),
    deviceName: (r.device_name as string | null) ?? null,
    appVersion: (r.app_version as string | null) ?? null,
    capability: (typeof r.capability === 'string' ? JSON.parse(r.capability) : r.capability) as Capability,
    pendingChanges: Number(r.pending_changes),
    pendingPhotos: Number(r.pending_photos),
    failedPhotos: Number(r.failed_photos),
    rejectedChanges: Number(r.rejected_changes),
    lastSuccessfulSyncAt: r.last_ok === null ? null : Number(r.last_ok),
    reportedAt: Number(r.reported),
    lastBackgroundRun:
      r.bg_at === null ? null : { startedAt: Number(r.bg_at), outcome: String(r.bg_outcome) },
    firstRunAt: r.first_run === null ? null : Number(r.first_run),
  }));
}

/** Runs that started in [fromMs, toMs], oldest first. */
export async function listRuns(
  db: Queryable,
  orgId: string,
  fromMs: number,
  toMs: number,
): Promise<RunRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT device_id, run_id, trigger, budget_ms, ${ms('started_at')} AS started, ${ms('finished_at')} AS finished,
       outcome, reason, ops_applied, ops_rejected, photos_uploaded, photos_failed, bytes_sent
     FROM device_sync_runs
     WHERE org_id = $1 AND started_at >= to_timestamp($2::double precision / 1000)
       AND started_at <= to_timestamp($3::double precision / 1000)
     ORDER BY started_at, run_id`,
    [orgId, fromMs, toMs],
  );
  return rows.map((r) => ({
    deviceId: String(r.device_id),
    runId: String(r.run_id),
    trigger: String(r.trigger),
    budgetMs: Number(r.budget_ms),
    startedAt: Number(r.started),
    finishedAt: r.finished === null ? null : Number(r.finished),
    outcome: String(r.outcome),
    reason: (r.reason as string | null) ?? null,
    applied: Number(r.ops_applied),
    rejected: Number(r.ops_rejected),
    photos: Number(r.photos_uploaded),
    photosFailed: Number(r.photos_failed),
    bytes: Number(r.bytes_sent),
  }));
}

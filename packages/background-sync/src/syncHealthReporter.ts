// Sends the sync health report (syncHealthReport.ts) to the server at the end of a run: after the
// run's user data, after its log row is complete, and only in what is left of its budget. A report
// that fails or does not fit stays in the log for the next run (the log keeps its last runs only,
// so what waits is bounded). It never throws into the run.
import type { SyncHealthAnswer } from '@vhd/sync-contract';
import type { ApiClient } from './apiClient';
import { errorMessage } from './apiClient';
import type { DevicePort } from './backgroundCapability';
import type { SyncDatabase } from './database';
import type { Clock, Logger } from './ports';
import type { RunBudget } from './runBudget';
import type { RunReport } from './runReport';
import { queueState, type ReportedThrough, type SyncHealthReport, unreportedRuns } from './syncHealthReport';
import { readSyncSetting, writeSyncSetting } from './syncSettingsStore';

export const SYNC_HEALTH_PATH = '/api/syncHealth';

const DEVICE_ID_KEY = 'health.device_id';
const THROUGH_KEY = 'health.reported_through';

/** Outcomes after which the server is out of reach anyway: the report waits for the next run. */
const UNREACHABLE = new Set<RunReport['outcome']>(['offline', 'signed_out']);

export type SendResult = { ok: true; runs: number } | { ok: false; reason: string };

export class SyncHealthReporter {
  private sending: Promise<SendResult> | null = null;

  constructor(
    private readonly opts: {
      db: SyncDatabase;
      api: ApiClient;
      device: DevicePort;
      clock: Clock;
      logger: Logger;
      requestTimeoutMs: number;
    },
  ) {}

  /**
   * The run's last step. The report may use the first half of the safety margin (it is one small
   * request), never the part kept for the OS; an aborted run (app opened, OS expiry, deadline)
   * sends nothing.
   */
  async afterRun(report: RunReport, budget: RunBudget): Promise<SendResult> {
    if (budget.signal.aborted) return { ok: false, reason: 'the run was aborted' };
    if (UNREACHABLE.has(report.outcome)) return { ok: false, reason: `the run ended ${report.outcome}` };
    const windowMs = budget.requestTimeoutMs(this.opts.requestTimeoutMs, budget.marginMs / 2);
    if (windowMs <= 0) return { ok: false, reason: 'no time left in the budget' };
    return this.send(windowMs, budget);
  }

  /** One report of the runs not yet accepted (one request at a time per database). */
  send(timeoutMs: number, budget?: RunBudget): Promise<SendResult> {
    this.sending ??= this.sendOnce(timeoutMs, budget).finally(() => {
      this.sending = null;
    });
    return this.sending;
  }

  private async sendOnce(timeoutMs: number, budget?: RunBudget): Promise<SendResult> {
    const { db, api, device, clock, logger } = this.opts;
    try {
      const through = parseThrough(await readSyncSetting(db, THROUGH_KEY));
      const [deviceId, runs, queue, capability] = await Promise.all([
        this.deviceId(),
        unreportedRuns(db, through),
        queueState(db),
        device.backgroundCapability(),
      ]);
      const body: SyncHealthReport = {
        device: {
          id: deviceId,
          platform: device.platform,
          ...(device.name ? { name: device.name } : {}),
          ...(device.appVersion ? { appVersion: device.appVersion } : {}),
        },
        capability,
        queue,
        sentAt: clock.now(),
        runs,
      };
      const res = await api.post<SyncHealthAnswer>(SYNC_HEALTH_PATH, body, {
        timeoutMs,
        ...(budget ? { budget } : {}),
      });
      if (!res.ok) {
        const f = res.failure;
        const reason = f.kind === 'aborted' ? f.reason.message : f.message;
        // A refusal by the server is worth a look; a network or abort is routine (sent next time).
        (f.kind === 'http' ? logger.warn : logger.info)('sync health: report not sent', { reason });
        return { ok: false, reason };
      }
      const last = runs.at(-1);
      if (last) {
        await db.writeTransaction((tx) =>
          writeSyncSetting(tx, THROUGH_KEY, JSON.stringify({ startedAt: last.startedAt, id: last.id })),
        );
      }
      return { ok: true, runs: runs.length };
    } catch (e) {
      logger.warn('sync health: report failed', { error: errorMessage(e) });
      return { ok: false, reason: errorMessage(e) };
    }
  }

  /** A random id chosen once per database (one per user and install), kept in sync_settings. */
  private async deviceId(): Promise<string> {
    const { db } = this.opts;
    return db.writeTransaction(async (tx) => {
      const existing = await readSyncSetting(tx, DEVICE_ID_KEY);
      if (existing) return existing;
      const id = `dev-${Math.random().toString(36).slice(2, 12)}${Math.random().toString(36).slice(2, 12)}`;
      await writeSyncSetting(tx, DEVICE_ID_KEY, id);
      return id;
    });
  }
}

function parseThrough(value: string | null): ReportedThrough | null {
  if (!value) return null;
  const parsed = JSON.parse(value) as Partial<ReportedThrough>;
  return typeof parsed.startedAt === 'number' && typeof parsed.id === 'string'
    ? { startedAt: parsed.startedAt, id: parsed.id }
    : null;
}

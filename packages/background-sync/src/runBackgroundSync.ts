// One background run (DESIGN "One background run"): take the run mutex, check connectivity and
// sign-in, upload CRUD, photos, CRUD again, download; then complete the run row and release.
// Whatever happens — a stop, an abort, an unexpected error — the run ends with a report, its row
// completed and its mutex released.
import { isAbortLike, raceSignal } from './abort';
import type { ApiClient } from './apiClient';
import { errorMessage } from './apiClient';
import { checkConnectivity } from './connectivityCheck';
import type { CrudUploader } from './crudUploader';
import type { SyncDatabase } from './database';
import type { Mutex } from './mutex';
import type { Ports } from './ports';
import { RunBudget } from './runBudget';
import { recordRunEnd, recordRunStart, recordSkippedRun } from './runLog';
import type { PhaseResult, RunContext, RunPhase, RunTrigger } from './runPhase';
import { decideOutcome, type PhaseName, type PhaseReport, type RunReport, sumCounts } from './runReport';
import type { SyncSettings } from './settings';

export interface RunRequest {
  /** Wall-clock budget of this run. */
  budgetMs: number;
  trigger: RunTrigger;
  /** The platform's signal (e.g. the OS expiration), if any. */
  signal?: AbortSignal;
}

/** After an abort, a phase gets this long to return before the run reports without it. */
export const ABORT_GRACE_MS = 1_500;

export interface RunEngine {
  db: SyncDatabase;
  ports: Ports;
  settings: SyncSettings;
  api: ApiClient;
  uploader: CrudUploader;
  runMutex: Mutex;
  uploadMutex: Mutex;
  phases: { photos?: RunPhase; download?: RunPhase };
  /** The run's last step, after its row is complete (the sync health report); must not throw. */
  afterRun?: (report: RunReport, budget: RunBudget) => Promise<unknown>;
  /** Called with the run's abort function while it is active, and with null when it ends. */
  setActive(run: { runId: string; abort: (reason: string) => void } | null): void;
}

export async function runBackgroundSync(engine: RunEngine, request: RunRequest): Promise<RunReport> {
  const { db, ports, settings } = engine;
  const { clock, logger } = ports;
  const runId = newRunId(clock.now());
  const startedAt = clock.now();

  const releaseRun = engine.runMutex.tryAcquire(`run:${runId}`);
  if (!releaseRun) {
    const report = buildReport({ runId, request, startedAt, finishedAt: clock.now(), phases: [], killed: 0 });
    report.outcome = 'skipped_busy';
    report.reason = `another run is active (${engine.runMutex.holder})`;
    logger.info('run skipped: busy', { runId, trigger: request.trigger, holder: engine.runMutex.holder });
    await recordSkippedRun(db, report, settings.runLogKeep).catch((e) =>
      logger.error('run log: could not record a skipped run', { error: errorMessage(e) }),
    );
    return report;
  }

  const budget = new RunBudget({
    clock,
    budgetMs: request.budgetMs,
    marginMs: settings.safetyMarginMs,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const { signal } = budget;
  engine.setActive({ runId, abort: (reason) => budget.abort(reason) });
  logger.info('run started', { runId, trigger: request.trigger, budgetMs: request.budgetMs });

  const phases: PhaseReport[] = [];
  const errors: string[] = [];
  /** Phases that outlived their abort grace: the mutex stays held until they settle. */
  const stragglers: Promise<unknown>[] = [];
  let failure: string | undefined;
  let killed = 0;
  let retryAt: number | undefined;

  const step = async (name: PhaseName, body: () => Promise<PhaseResult>): Promise<boolean> => {
    const t0 = clock.now();
    const result = await bounded(body(), budget, stragglers, name);
    const report: PhaseReport = { ...result, name, durationMs: clock.now() - t0 };
    phases.push(report);
    if (report.reason && report.status === 'stopped') errors.push(`${name}: ${report.reason}`);
    // A stopped phase ends the run: every later step needs the same server, link or user.
    return report.status !== 'stopped' && !report.stopCause;
  };

  const crudStep = async (): Promise<PhaseResult> => {
    if (signal.aborted) return stoppedByAbort(budget);
    const release = await engine.uploadMutex.acquire(`run:${runId}`, signal);
    try {
      const r = await engine.uploader.upload({ budget });
      const counts = {
        requests: r.requests,
        applied: r.applied,
        rejected: r.rejected,
        transactions: r.transactions,
        bytes: r.bytes,
      };
      if (r.status === 'done') return { status: 'done', counts };
      if (r.stop?.retryAfterMs !== undefined)
        retryAt = Math.max(retryAt ?? 0, clock.now() + r.stop.retryAfterMs);
      return {
        status: 'stopped',
        counts,
        ...(r.stop ? { stopCause: r.stop.cause, reason: r.stop.reason } : {}),
      };
    } finally {
      release();
    }
  };

  const hookStep = (phase: RunPhase | undefined, ctx: RunContext) => async (): Promise<PhaseResult> => {
    if (!phase) return { status: 'skipped', reason: 'not configured' };
    if (signal.aborted) return stoppedByAbort(budget);
    return phase.run(ctx);
  };

  try {
    killed = await recordRunStart(db, {
      id: runId,
      trigger: request.trigger,
      budgetMs: request.budgetMs,
      startedAt,
    });
    if (killed > 0) logger.warn('run log: earlier runs were killed', { count: killed });
    const ctx: RunContext = {
      runId,
      trigger: request.trigger,
      startedAt,
      budget,
      settings,
      ports,
      db,
    };
    const ok =
      (await step('preflight', () => preflight(engine, budget))) &&
      (await step('crud', crudStep)) &&
      (await step('photos', hookStep(engine.phases.photos, ctx))) &&
      (await step('crud_after_photos', crudStep)) &&
      (await step('download', hookStep(engine.phases.download, ctx)));
    logger.debug('run steps finished', { runId, allDone: ok });
  } catch (e) {
    if (signal.aborted && isAbortLike(e)) {
      phases.push({ name: 'preflight', ...stoppedByAbort(budget) });
    } else {
      failure = errorMessage(e);
      errors.push(failure);
      logger.error('run failed', { runId, error: failure, stack: e instanceof Error ? e.stack : undefined });
    }
  }

  const report = buildReport({ runId, request, startedAt, finishedAt: clock.now(), phases, killed, failure });
  report.errors.push(...errors.filter((e) => !report.errors.includes(e)));
  if (retryAt !== undefined) report.retryAt = retryAt;
  try {
    await recordRunEnd(db, report, settings.runLogKeep);
    await engine.afterRun?.(report, budget);
  } catch (e) {
    logger.error('run log: could not complete the run row', { runId, error: errorMessage(e) });
  } finally {
    budget.dispose();
    engine.setActive(null);
    if (stragglers.length === 0) releaseRun();
    else void Promise.allSettled(stragglers).then(releaseRun);
  }
  logger.info('run finished', {
    runId,
    outcome: report.outcome,
    reason: report.reason,
    durationMs: report.durationMs,
    counts: report.counts,
  });
  return report;
}

/** Step 1: the OS network state, a signed-in user, our server's health (captive portals → offline). */
async function preflight(engine: RunEngine, budget: RunBudget): Promise<PhaseResult> {
  const { ports, settings } = engine;
  const state = await ports.connectivity.getState();
  if (!state.online) return { status: 'stopped', stopCause: 'offline', reason: 'the OS reports no network' };
  let token: string | null;
  const waiting = budget.child();
  try {
    token = await raceSignal(ports.auth.getToken(), waiting.signal);
  } catch (e) {
    if (budget.signal.aborted) return stoppedByAbort(budget);
    return {
      status: 'stopped',
      stopCause: 'server_unavailable',
      reason: `token provider failed: ${errorMessage(e)}`,
    };
  } finally {
    waiting.dispose();
  }
  if (!token) return { status: 'stopped', stopCause: 'signed_out', reason: 'no user is signed in' };
  const timeoutMs = budget.requestTimeoutMs(settings.requestTimeoutMs);
  if (timeoutMs <= 0) return { status: 'stopped', stopCause: 'deadline', reason: 'no time left' };
  const check = await checkConnectivity({
    connectivity: ports.connectivity,
    api: engine.api,
    budget,
    timeoutMs,
  });
  if (!check.ok) return { status: 'stopped', stopCause: check.stop.cause, reason: check.stop.reason };
  return { status: 'done', counts: { metered: state.metered ? 1 : 0 } };
}

/**
 * Waits for a phase, but once the run's signal aborts gives it only ABORT_GRACE_MS more: a phase
 * that ignores its signal cannot keep the run (and the app's foreground) waiting. It is kept in
 * `stragglers` so the run mutex stays held until it really ends.
 */
async function bounded(
  work: Promise<PhaseResult>,
  budget: RunBudget,
  stragglers: Promise<unknown>[],
  name: string,
): Promise<PhaseResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const { signal } = budget;
  const grace = new Promise<PhaseResult>((resolve) => {
    onAbort = () => {
      timer = setTimeout(() => {
        stragglers.push(work.catch(() => undefined));
        resolve({
          ...stoppedByAbort(budget),
          reason: `${name} did not stop within ${ABORT_GRACE_MS} ms of the abort`,
        });
      }, ABORT_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      work.catch((e: unknown) => {
        if (signal.aborted && isAbortLike(e)) return stoppedByAbort(budget);
        throw e;
      }),
      grace,
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function stoppedByAbort(budget: RunBudget): PhaseResult {
  const stop = budget.stop() ?? { cause: 'aborted', reason: 'aborted' };
  return { status: 'stopped', stopCause: stop.cause, reason: stop.reason };
}

function buildReport(p: {
  runId: string;
  request: RunRequest;
  startedAt: number;
  finishedAt: number;
  phases: PhaseReport[];
  killed: number;
  failure?: string;
}): RunReport {
  const { outcome, reason } = decideOutcome(p.phases, p.failure);
  const counts = sumCounts(p.phases);
  return {
    runId: p.runId,
    trigger: p.request.trigger,
    budgetMs: p.request.budgetMs,
    startedAt: p.startedAt,
    finishedAt: p.finishedAt,
    durationMs: p.finishedAt - p.startedAt,
    outcome,
    ...(reason !== undefined ? { reason } : {}),
    phases: p.phases,
    counts,
    bytesSent: (counts['crud.bytes'] ?? 0) + (counts['photos.bytes'] ?? 0),
    killedRunsFound: p.killed,
    errors: p.failure ? [p.failure] : [],
  };
}

/** Sortable and unique enough without a crypto import (Hermes has no node:crypto). */
function newRunId(now: number): string {
  return `run-${now.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

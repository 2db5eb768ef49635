// Step 5 of a background run (DESIGN "One background run"): let downloads catch up. The phase takes
// a `run:<id>` hold on the SyncController (the only owner of connect/disconnect), waits until the
// stream is connected, idle and has applied a checkpoint since the run started and since our last
// upload (so "caught up" includes our own changes as the server stored them), and always releases
// its hold — the controller disconnects if no one else (the foreground) holds on. A stream that
// failed and whose retry would come after the window ends the wait at once.
import { raceSignal } from './abort';
import type { ApiClient } from './apiClient';
import { TOKEN_PATH } from './backendConnector';
import type { CrudUploader } from './crudUploader';
import type { SyncStatusLike } from './database';
import type { PhaseResult, RunContext, RunPhase, StopCause } from './runPhase';
import type { SyncController } from './syncController';

export interface DownloadPhaseOptions {
  controller: Pick<SyncController, 'hold' | 'release' | 'holds' | 'retryDelayMs'>;
  /** The engine's uploader: a checkpoint counts only if applied after its last completed upload. */
  uploader: Pick<CrudUploader, 'lastCompletedAt'>;
  /** Our server: asked whether it has a PowerSync endpoint, unless `isEndpointConfigured` is given. */
  api?: Pick<ApiClient, 'get'>;
  /**
   * Whether a PowerSync endpoint is configured. Without one there is nothing to connect to and the
   * phase is skipped. Default: ask the server's token route (see `serverHasEndpoint`).
   */
  isEndpointConfigured?: (ctx: RunContext) => boolean | Promise<boolean>;
}

/**
 * Wiring: `createSyncEngine` (src/syncEngine.ts) builds it with `controller`, `uploader` and `api`
 * from the engine's parts.
 */
export function createDownloadPhase(options: DownloadPhaseOptions): RunPhase {
  const { api } = options;
  let known = false;
  const isEndpointConfigured =
    options.isEndpointConfigured ??
    (async (ctx: RunContext) => {
      if (!api) throw new Error('createDownloadPhase needs `api` or `isEndpointConfigured`');
      // A configured endpoint stays configured for this runtime; "not configured" is asked again.
      known ||= await serverHasEndpoint(api, ctx);
      return known;
    });
  return { name: 'download', run: (ctx) => runDownload({ ...options, isEndpointConfigured }, ctx) };
}

/**
 * Asks `GET /api/powersync/token`: only its 503 `powersync_not_configured` means "no endpoint".
 * Any other failure (offline, 5xx, timeout) answers yes: the stream's own errors then decide the
 * phase's outcome, rather than a failed probe hiding them as a skip.
 */
export async function serverHasEndpoint(api: Pick<ApiClient, 'get'>, ctx: RunContext): Promise<boolean> {
  const res = await api.get<unknown>(TOKEN_PATH, {
    budget: ctx.budget,
    timeoutMs: ctx.budget.requestTimeoutMs(ctx.settings.requestTimeoutMs),
  });
  return res.ok || !(res.failure.kind === 'http' && res.failure.code === 'powersync_not_configured');
}

async function runDownload(
  options: DownloadPhaseOptions & Required<Pick<DownloadPhaseOptions, 'isEndpointConfigured'>>,
  ctx: RunContext,
): Promise<PhaseResult> {
  const { db, budget, settings, ports } = ctx;
  const { clock } = ports;
  const started = clock.now();
  const result = (r: PhaseResult): PhaseResult => ({ ...r, durationMs: clock.now() - started });

  const { n: pending } = await db.get<{ n: number }>('SELECT count(*) AS n FROM ps_crud');
  if (pending > 0) {
    return result({
      status: 'skipped',
      reason: `${pending} local change(s) still queued in ps_crud: the client applies no downloaded data until they are uploaded`,
      counts: { pendingChanges: pending },
    });
  }
  // DESIGN asks for ≥ 10 s left and a wait of min(60 s, remaining − margin). With the default 15 s
  // margin that window is empty whenever less than 15 s remain, so the 10 s is required of the
  // window itself: connecting for a wait of a second or two would mostly end as a `deadline`.
  const window = () => budget.requestTimeoutMs(settings.downloadMaxWaitMs);
  const tooLittleTime = (ms: number) =>
    result({
      status: 'skipped',
      reason: `only ${ms} ms left outside the safety margin; the download needs ${settings.downloadMinRemainingMs} ms`,
    });
  if (window() < settings.downloadMinRemainingMs) return tooLittleTime(window());
  // Last, as it may cost a request (bounded by the margin too).
  if (!(await options.isEndpointConfigured(ctx))) {
    return result({ status: 'skipped', reason: 'no PowerSync endpoint configured' });
  }
  const abortedBefore = budget.stop();
  if (abortedBefore) return result(stopped(abortedBefore.cause, abortedBefore.reason));
  const windowMs = window();
  if (windowMs < settings.downloadMinRemainingMs) return tooLittleTime(windowMs);

  const hold = `run:${ctx.runId}`;
  // Another holder (the foreground) already keeps a live stream: it delivers changes as they
  // happen, so a connected, idle, error-free stream that has synced before counts as caught up
  // even if nothing changed since the run started (else a resume or manual run would wait out its
  // whole window for a checkpoint that never comes) — unless we uploaded since that sync.
  const sharedLive = options.controller.holds.length > 0;
  const caughtUp = (s: SyncStatusLike): boolean => {
    if (!s.connected || s.dataFlowStatus.downloading || s.dataFlowStatus.downloadError !== undefined)
      return false;
    const syncedAt = s.lastSyncedAt?.getTime();
    if (syncedAt === undefined) return false;
    // After our last upload, the SDK applies no checkpoint until one covers a write checkpoint taken
    // after it: a checkpoint applied later holds our own changes as the server stored them (its
    // invoice numbers, its timestamps). Strictly after: lastSyncedAt has millisecond precision.
    const uploadedAt = options.uploader.lastCompletedAt;
    if (uploadedAt !== undefined && syncedAt <= uploadedAt) return false;
    return sharedLive || syncedAt > ctx.startedAt;
  };
  // The SDK retries a failed stream after retryDelayMs: if that retry would come after the window,
  // the stream is not coming back in time and waiting on is waste.
  const windowEnd = clock.now() + windowMs;
  let failedAt: number | undefined;
  const beyondRetry = (s: SyncStatusLike): boolean => {
    if (s.connected || s.dataFlowStatus.downloadError === undefined) {
      failedAt = undefined;
      return false;
    }
    failedAt ??= clock.now();
    return failedAt + options.controller.retryDelayMs >= windowEnd;
  };

  const wait = budget.child(windowMs);
  let matched = false;
  let gaveUp = false;
  let atEnd: SyncStatusLike | undefined;
  try {
    await raceSignal(options.controller.hold(hold), wait.signal);
    // waitForStatus resolves (not rejects) when its signal aborts: `matched`/`gaveUp` tell them apart.
    await db.waitForStatus((s) => {
      matched ||= caughtUp(s);
      gaveUp ||= !matched && beyondRetry(s);
      return matched || gaveUp;
    }, wait.signal);
  } catch (e) {
    if (!wait.signal.aborted) throw e;
  } finally {
    wait.dispose();
    // The stream's state at the end of the wait, before our release may disconnect it.
    atEnd = db.currentStatus;
    await options.controller.release(hold);
  }

  const waitedMs = clock.now() - started;
  const counts = { waitedMs, windowMs, caughtUp: matched ? 1 : 0, sharedConnection: sharedLive ? 1 : 0 };
  if (matched) return result({ status: 'done', counts });
  const aborted = budget.stop();
  if (aborted) return result({ ...stopped(aborted.cause, aborted.reason), counts });

  // The window ran out, or the stream failed with no retry due inside it. If the stream reported an
  // error, the service was not reachable or refused us: offline when the OS says so, else the
  // service is unavailable. Without an error the stream was up but not done — still downloading,
  // or a service that stopped answering — which is work left: `deadline`.
  const status = atEnd ?? db.currentStatus;
  const error = status.dataFlowStatus.downloadError;
  if (error) {
    const online = await ports.connectivity
      .getState()
      .then((s) => s.online)
      .catch(() => true);
    const early = gaveUp ? ` (next retry in ${options.controller.retryDelayMs} ms, after the window)` : '';
    return result({
      ...stopped(online ? 'server_unavailable' : 'offline', `sync stream failed: ${error.message}${early}`),
      counts: { ...counts, endedEarly: gaveUp ? 1 : 0 },
    });
  }
  const uploadedAt = options.uploader.lastCompletedAt;
  const state = !status.connected
    ? 'not connected'
    : status.dataFlowStatus.downloading
      ? 'still downloading'
      : uploadedAt !== undefined && (status.lastSyncedAt?.getTime() ?? 0) <= uploadedAt
        ? 'our upload has not come back yet'
        : 'no checkpoint since the run started';
  return result({ ...stopped('deadline', `not caught up within ${windowMs} ms (${state})`), counts });
}

function stopped(stopCause: StopCause, reason: string): PhaseResult {
  return { status: 'stopped', stopCause, reason };
}

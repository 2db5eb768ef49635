// The download phase in-process, on simulated time (vitest's fake timers drive the phase's wait and
// the clock port alike): a test double of the SDK's status stream and of the SyncController's holds,
// so every rule of the wait is checked in milliseconds — fast enough for mutation testing.
// downloadPhase.test.ts and downloadRun.test.ts run the same phase against the PowerSync double and
// the real SDK.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError, sleep, TimeoutError } from '../src/abort';
import type { ApiClient, ApiResult } from '../src/apiClient';
import { TOKEN_PATH } from '../src/backendConnector';
import type { SyncDatabase, SyncStatusLike } from '../src/database';
import { createDownloadPhase, type DownloadPhaseOptions, serverHasEndpoint } from '../src/downloadPhase';
import type { Clock, Ports } from '../src/ports';
import { RunBudget } from '../src/runBudget';
import type { PhaseResult, RunContext } from '../src/runPhase';
import { DEFAULT_SETTINGS, type SyncSettings } from '../src/settings';

const SETTINGS: SyncSettings = {
  ...DEFAULT_SETTINGS,
  safetyMarginMs: 1_000,
  downloadMinRemainingMs: 2_000,
  downloadMaxWaitMs: 10_000,
  requestTimeoutMs: 5_000,
};
const WINDOW = SETTINGS.downloadMaxWaitMs;

const disconnected: SyncStatusLike = {
  connected: false,
  dataFlowStatus: { downloading: false, uploading: false },
};

/** Test double of the SDK's view the phase reads: ps_crud's count, the status and its changes. */
class FakeStream {
  pending = 0;
  status: SyncStatusLike = disconnected;
  private readonly listeners = new Set<() => void>();

  set(s: { connected?: boolean; downloading?: boolean; error?: string; syncedAt?: number }): void {
    this.status = {
      connected: s.connected ?? false,
      ...(s.syncedAt !== undefined ? { lastSyncedAt: new Date(s.syncedAt) } : {}),
      dataFlowStatus: {
        downloading: s.downloading ?? false,
        uploading: false,
        ...(s.error !== undefined ? { downloadError: new Error(s.error) } : {}),
      },
    };
    for (const l of [...this.listeners]) l();
  }

  /** Connected, idle and synced at `syncedAt`. */
  synced(syncedAt: number): void {
    this.set({ connected: true, syncedAt });
  }

  get waiting(): number {
    return this.listeners.size;
  }

  asSyncDatabase(): SyncDatabase {
    const stream = this;
    return {
      get: async (sql: string) => {
        if (!sql.includes('FROM ps_crud')) throw new Error(`unexpected SQL: ${sql}`);
        return { n: stream.pending };
      },
      get currentStatus() {
        return stream.status;
      },
      // As the SDK: checks the current status, then each change; resolves (not rejects) on abort.
      waitForStatus: (predicate: (s: SyncStatusLike) => boolean, signal?: AbortSignal) =>
        new Promise<void>((resolve) => {
          const done = () => {
            stream.listeners.delete(check);
            signal?.removeEventListener('abort', done);
            resolve();
          };
          const check = () => {
            if (predicate(stream.status)) done();
          };
          if (signal?.aborted) return resolve();
          signal?.addEventListener('abort', done);
          stream.listeners.add(check);
          check();
        }),
    } as unknown as SyncDatabase;
  }
}

/** Test double of the SyncController: records holds and releases; `hold` may be held back. */
class FakeController {
  holds: string[] = [];
  retryDelayMs = 60_000;
  events: string[] = [];
  /** What `hold` resolves with: never, to model a connect that does not answer. */
  holdResult: Promise<void> = Promise.resolve();
  holdError: Error | undefined;
  onRelease: (() => void) | undefined;

  async hold(name: string): Promise<void> {
    this.events.push(`hold ${name}`);
    this.holds.push(name);
    if (this.holdError) throw this.holdError;
    return this.holdResult;
  }

  async release(name: string): Promise<void> {
    this.events.push(`release ${name}`);
    this.holds = this.holds.filter((h) => h !== name);
    this.onRelease?.();
  }
}

const fakeClock: Clock = { now: () => Date.now(), sleep };

interface Setup {
  stream: FakeStream;
  controller: FakeController;
  options: Partial<DownloadPhaseOptions>;
  /** The uploader's last completed upload. */
  uploadedAt: number | undefined;
  online: boolean | 'throws';
}

let s: Setup;
let runs = 0;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  s = {
    stream: new FakeStream(),
    controller: new FakeController(),
    options: { isEndpointConfigured: () => true },
    uploadedAt: undefined,
    online: true,
  };
});
afterEach(() => {
  vi.useRealTimers();
});

function context(opts: { budgetMs?: number; signal?: AbortSignal } = {}) {
  const ports = {
    clock: fakeClock,
    connectivity: {
      getState: async () => {
        if (s.online === 'throws') throw new Error('no connectivity API');
        return { online: s.online, metered: false };
      },
    },
  } as unknown as Ports;
  const budget = new RunBudget({
    budgetMs: opts.budgetMs ?? 60_000,
    clock: fakeClock,
    marginMs: SETTINGS.safetyMarginMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const ctx: RunContext = {
    runId: `r${++runs}`,
    trigger: 'manual',
    startedAt: Date.now(),
    budget,
    settings: SETTINGS,
    ports,
    db: s.stream.asSyncDatabase(),
  };
  return ctx;
}

/** Starts the phase; the test then drives the stream and the time. */
function start(ctx = context()): { ctx: RunContext; result: Promise<PhaseResult> } {
  const phase = createDownloadPhase({
    controller: s.controller,
    uploader: {
      get lastCompletedAt() {
        return s.uploadedAt;
      },
    },
    ...s.options,
  });
  const result = phase.run(ctx);
  result.finally(() => ctx.budget.dispose()).catch(() => {});
  return { ctx, result };
}

async function run(ctx = context()): Promise<PhaseResult> {
  const { result } = start(ctx);
  await vi.advanceTimersByTimeAsync(WINDOW + 1);
  return result;
}

describe('download phase (in-process): skips', () => {
  it('is skipped while ps_crud holds changes, naming how many, before asking anything else', async () => {
    s.stream.pending = 2;
    const asked = vi.fn(() => true);
    s.options.isEndpointConfigured = asked;
    expect(await run(context({ budgetMs: 100 }))).toEqual({
      status: 'skipped',
      reason:
        '2 local change(s) still queued in ps_crud: the client applies no downloaded data until they are uploaded',
      counts: { pendingChanges: 2 },
      durationMs: 0,
    });
    expect(asked).not.toHaveBeenCalled();
    expect(s.controller.events).toEqual([]);
  });

  it('is skipped when the window outside the safety margin is under the minimum, naming both', async () => {
    const asked = vi.fn(() => true);
    s.options.isEndpointConfigured = asked;
    // 2 999 ms budget − 1 000 ms margin = a 1 999 ms window, under the 2 000 ms minimum.
    expect(await run(context({ budgetMs: 2_999 }))).toEqual({
      status: 'skipped',
      reason: 'only 1999 ms left outside the safety margin; the download needs 2000 ms',
      durationMs: 0,
    });
    expect(asked).not.toHaveBeenCalled();
    expect(s.controller.events).toEqual([]);
  });

  it('reports 0 ms left, never a negative time, when the budget is inside the margin', async () => {
    const r = await run(context({ budgetMs: 500 }));
    expect(r.reason).toBe('only 0 ms left outside the safety margin; the download needs 2000 ms');
  });

  it('runs with a window of exactly the minimum', async () => {
    const { result } = start(context({ budgetMs: 3_000 }));
    await vi.advanceTimersByTimeAsync(0);
    s.stream.synced(Date.now() + 1);
    expect(await result).toMatchObject({ status: 'done', counts: { windowMs: 2_000 } });
  });

  it('is skipped without an endpoint, and takes no hold', async () => {
    s.options.isEndpointConfigured = () => false;
    expect(await run()).toEqual({
      status: 'skipped',
      reason: 'no PowerSync endpoint configured',
      durationMs: 0,
    });
    expect(s.controller.events).toEqual([]);
  });

  it('checks the window again after the endpoint question, which may take its time', async () => {
    s.options.isEndpointConfigured = async () => {
      vi.setSystemTime(Date.now() + 7_500); // a slow answer
      return true;
    };
    const slow = start(context({ budgetMs: 10_000 }));
    // 10 s budget: a 9 s window before the question, 1.5 s after it.
    expect(await slow.result).toEqual({
      status: 'skipped',
      reason: 'only 1500 ms left outside the safety margin; the download needs 2000 ms',
      durationMs: 7_500,
    });
    expect(s.controller.events).toEqual([]);
  });

  it('stops as aborted, without a hold, when the run is aborted during the endpoint question', async () => {
    const caller = new AbortController();
    s.options.isEndpointConfigured = () => {
      caller.abort(new AbortError('app became active'));
      return true;
    };
    expect(await run(context({ signal: caller.signal }))).toEqual({
      status: 'stopped',
      stopCause: 'aborted',
      reason: 'app became active',
      durationMs: 0,
    });
    expect(s.controller.events).toEqual([]);
  });

  it('stops as deadline when the abort is the deadline’s, and words a non-Error reason as text', async () => {
    const caller = new AbortController();
    s.options.isEndpointConfigured = () => {
      caller.abort(new TimeoutError('budget spent'));
      return true;
    };
    expect(await run(context({ signal: caller.signal }))).toMatchObject({
      stopCause: 'deadline',
      reason: 'budget spent',
    });
    const other = new AbortController();
    s.options.isEndpointConfigured = () => {
      other.abort('shutting down');
      return true;
    };
    expect(await run(context({ signal: other.signal }))).toMatchObject({
      stopCause: 'aborted',
      reason: 'shutting down',
    });
  });
});

describe('download phase (in-process): the endpoint question', () => {
  const answer = (r: ApiResult<unknown>) => {
    const get = vi.fn(async () => r);
    return { api: { get } as unknown as Pick<ApiClient, 'get'>, get };
  };
  const notConfigured: ApiResult<unknown> = {
    ok: false,
    failure: { kind: 'http', status: 503, code: 'powersync_not_configured', message: 'no endpoint' },
  };

  it('asks the token route under the run’s budget, with a timeout bounded by the margin', async () => {
    const { api, get } = answer({ ok: true, status: 200, body: {} });
    const ctx = context({ budgetMs: 4_000 });
    expect(await serverHasEndpoint(api, ctx)).toBe(true);
    // min(5 s request cap, 4 s − 1 s margin)
    expect(get).toHaveBeenCalledWith(TOKEN_PATH, { budget: ctx.budget, timeoutMs: 3_000 });
    ctx.budget.dispose();
  });

  it('only a 503 powersync_not_configured means no endpoint; any other failure lets the stream decide', async () => {
    const ctx = context();
    expect(await serverHasEndpoint(answer(notConfigured).api, ctx)).toBe(false);
    const otherHttp = { ...notConfigured.failure, code: 'unavailable' } as const;
    expect(await serverHasEndpoint(answer({ ok: false, failure: otherHttp }).api, ctx)).toBe(true);
    const offline = { ok: false, failure: { kind: 'network', message: 'offline' } } as const;
    expect(await serverHasEndpoint(answer(offline).api, ctx)).toBe(true);
    ctx.budget.dispose();
  });

  it('asks the server by default: "no endpoint" again on every run, a "yes" once per runtime', async () => {
    let reply: ApiResult<unknown> = notConfigured;
    const get = vi.fn(async () => reply);
    s.options = { api: { get } as unknown as Pick<ApiClient, 'get'> };
    const phase = createDownloadPhase({
      controller: s.controller,
      uploader: { lastCompletedAt: undefined },
      ...s.options,
    });
    const runOnce = async () => {
      const ctx = context();
      const result = phase.run(ctx);
      await vi.advanceTimersByTimeAsync(0);
      s.stream.synced(Date.now() + 1);
      const r = await result;
      ctx.budget.dispose();
      return r;
    };
    expect((await runOnce()).reason).toBe('no PowerSync endpoint configured');
    expect((await runOnce()).reason).toBe('no PowerSync endpoint configured');
    reply = { ok: true, status: 200, body: {} };
    expect((await runOnce()).status).toBe('done');
    reply = notConfigured;
    expect((await runOnce()).status).toBe('done');
    expect(get).toHaveBeenCalledTimes(3);
  });

  it('without `api` or `isEndpointConfigured` fails with a clear error', async () => {
    s.options = {};
    await expect(start().result).rejects.toThrow('createDownloadPhase needs `api` or `isEndpointConfigured`');
  });
});

describe('download phase (in-process): catching up', () => {
  it('is done at the first checkpoint applied after the run started; holds `run:<id>` and releases it', async () => {
    const ctx = context();
    const { result } = start(ctx);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(s.controller.events).toEqual([`hold run:${ctx.runId}`]);
    s.stream.set({ connected: true, downloading: true });
    await vi.advanceTimersByTimeAsync(500);
    s.stream.synced(Date.now());
    expect(await result).toEqual({
      status: 'done',
      counts: { waitedMs: 1_500, windowMs: WINDOW, caughtUp: 1, sharedConnection: 0 },
      durationMs: 1_500,
    });
    expect(s.controller.events).toEqual([`hold run:${ctx.runId}`, `release run:${ctx.runId}`]);
  });

  it('is the run’s `download` phase', () => {
    expect(
      createDownloadPhase({ controller: s.controller, uploader: { lastCompletedAt: undefined } }).name,
    ).toBe('download');
  });

  it('takes a window of min(max wait, remaining − margin)', async () => {
    const { result } = start(context({ budgetMs: 5_000 }));
    await vi.advanceTimersByTimeAsync(0);
    s.stream.synced(Date.now() + 1);
    expect((await result).counts?.windowMs).toBe(4_000);
  });

  it('does not count a checkpoint from before (or at) the run’s start, nor a stream never synced', async () => {
    const ctx = context();
    const { result } = start(ctx);
    await vi.advanceTimersByTimeAsync(100);
    s.stream.synced(ctx.startedAt - 5_000);
    s.stream.synced(ctx.startedAt);
    s.stream.set({ connected: true });
    await vi.advanceTimersByTimeAsync(100);
    expect(s.stream.waiting).toBe(1);
    s.stream.synced(ctx.startedAt + 1);
    expect(await result).toMatchObject({ status: 'done', counts: { waitedMs: 200 } });
  });

  it('does not count a stream that is still downloading, has an error, or is not connected', async () => {
    const ctx = context();
    const { result } = start(ctx);
    await vi.advanceTimersByTimeAsync(0);
    const later = ctx.startedAt + 1;
    s.stream.set({ connected: true, downloading: true, syncedAt: later });
    s.stream.set({ connected: true, error: 'checksum mismatch', syncedAt: later });
    s.stream.set({ connected: false, syncedAt: later });
    expect(s.stream.waiting).toBe(1);
    s.stream.synced(later);
    expect((await result).status).toBe('done');
  });

  it('after our upload, waits for a checkpoint strictly after it (our changes as the server stored them)', async () => {
    const ctx = context();
    s.uploadedAt = ctx.startedAt + 200;
    const { result } = start(ctx);
    await vi.advanceTimersByTimeAsync(0);
    s.stream.synced(ctx.startedAt + 100);
    s.stream.synced(ctx.startedAt + 200);
    expect(s.stream.waiting).toBe(1);
    s.stream.synced(ctx.startedAt + 201);
    expect((await result).status).toBe('done');
  });

  it('with a live stream held by another (the foreground), counts an earlier sync as caught up', async () => {
    s.controller.holds = ['foreground'];
    s.stream.synced(Date.now() - 60_000);
    const r = await run();
    expect(r).toMatchObject({ status: 'done', counts: { waitedMs: 0, caughtUp: 1, sharedConnection: 1 } });
    expect(s.controller.holds).toEqual(['foreground']);
  });

  it('with a shared stream, a stream that has never synced is not caught up', async () => {
    s.controller.holds = ['foreground'];
    s.stream.set({ connected: true });
    const { result } = start();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.stream.waiting).toBe(1);
    s.stream.synced(Date.now());
    expect(await result).toMatchObject({ status: 'done', counts: { waitedMs: 300 } });
  });

  it('with a shared stream, still waits for a checkpoint after our last upload', async () => {
    s.controller.holds = ['foreground'];
    s.uploadedAt = Date.now() - 1_000;
    s.stream.synced(Date.now() - 2_000);
    const { result } = start();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.stream.waiting).toBe(1);
    s.stream.synced(Date.now());
    expect(await result).toMatchObject({ status: 'done', counts: { waitedMs: 300, sharedConnection: 1 } });
  });
});

describe('download phase (in-process): not caught up', () => {
  it('stops at the window’s end as deadline, saying the stream never connected', async () => {
    const ctx = context();
    const { result } = start(ctx);
    await vi.advanceTimersByTimeAsync(WINDOW - 1);
    expect(s.stream.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toEqual({
      status: 'stopped',
      stopCause: 'deadline',
      reason: `not caught up within ${WINDOW} ms (not connected)`,
      counts: { waitedMs: WINDOW, windowMs: WINDOW, caughtUp: 0, sharedConnection: 0 },
      durationMs: WINDOW,
    });
    expect(s.controller.events).toEqual([`hold run:${ctx.runId}`, `release run:${ctx.runId}`]);
  });

  it('names why: still downloading, our upload not back yet, or no checkpoint since the start', async () => {
    const reasonAfter = async (set: () => void) => {
      const { result } = start();
      await vi.advanceTimersByTimeAsync(0);
      set();
      await vi.advanceTimersByTimeAsync(WINDOW);
      return (await result).reason;
    };
    expect(await reasonAfter(() => s.stream.set({ connected: true, downloading: true }))).toBe(
      `not caught up within ${WINDOW} ms (still downloading)`,
    );
    expect(await reasonAfter(() => s.stream.synced(Date.now() - 10))).toBe(
      `not caught up within ${WINDOW} ms (no checkpoint since the run started)`,
    );
    s.uploadedAt = Date.now();
    expect(await reasonAfter(() => s.stream.synced(s.uploadedAt!))).toBe(
      `not caught up within ${WINDOW} ms (our upload has not come back yet)`,
    );
    expect(await reasonAfter(() => s.stream.set({ connected: true }))).toBe(
      `not caught up within ${WINDOW} ms (our upload has not come back yet)`,
    );
    expect(await reasonAfter(() => s.stream.synced(s.uploadedAt! - 5))).toBe(
      `not caught up within ${WINDOW} ms (our upload has not come back yet)`,
    );
    // An upload of an earlier run, come back before this run started: nothing new since the start.
    s.uploadedAt = Date.now() - 5_000;
    expect(await reasonAfter(() => s.stream.synced(Date.now() - 10))).toBe(
      `not caught up within ${WINDOW} ms (no checkpoint since the run started)`,
    );
  });

  it('a stream that connects late and never syncs waits out the whole window', async () => {
    s.controller.retryDelayMs = 1_000_000;
    const { result } = start();
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(await result).toMatchObject({ stopCause: 'deadline', counts: { waitedMs: WINDOW } });
  });

  it('a hold that never answers ends with the window, and is still released', async () => {
    s.controller.holdResult = new Promise(() => {});
    const ctx = context();
    const { result } = start(ctx);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(await result).toMatchObject({ status: 'stopped', stopCause: 'deadline' });
    expect(s.controller.events).toEqual([`hold run:${ctx.runId}`, `release run:${ctx.runId}`]);
  });

  it('a hold that fails fails the phase, and is still released', async () => {
    s.controller.holdError = new Error('connect threw');
    const ctx = context();
    const { result } = start(ctx);
    await expect(result).rejects.toThrow('connect threw');
    expect(s.controller.events).toEqual([`hold run:${ctx.runId}`, `release run:${ctx.runId}`]);
  });

  it('an abort during the wait stops it at once as aborted, with the counts so far', async () => {
    const caller = new AbortController();
    const { result } = start(context({ signal: caller.signal }));
    await vi.advanceTimersByTimeAsync(2_000);
    caller.abort(new AbortError('app became active'));
    expect(await result).toEqual({
      status: 'stopped',
      stopCause: 'aborted',
      reason: 'app became active',
      counts: { waitedMs: 2_000, windowMs: WINDOW, caughtUp: 0, sharedConnection: 0 },
      durationMs: 2_000,
    });
  });
});

describe('download phase (in-process): a failed stream', () => {
  it('stops as server_unavailable with the stream’s error at the window’s end when the retry is due inside it', async () => {
    s.controller.retryDelayMs = 3_000;
    const { result } = start();
    await vi.advanceTimersByTimeAsync(0);
    s.stream.set({ error: 'HTTP 503' });
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(await result).toEqual({
      status: 'stopped',
      stopCause: 'server_unavailable',
      reason: 'sync stream failed: HTTP 503',
      counts: { waitedMs: WINDOW, windowMs: WINDOW, caughtUp: 0, sharedConnection: 0, endedEarly: 0 },
      durationMs: WINDOW,
    });
  });

  it('stops at once when the retry would come at or after the window’s end', async () => {
    s.controller.retryDelayMs = WINDOW - 1_000;
    const { result } = start();
    await vi.advanceTimersByTimeAsync(1_000);
    s.stream.set({ error: 'HTTP 503' });
    expect(await result).toEqual({
      status: 'stopped',
      stopCause: 'server_unavailable',
      reason: `sync stream failed: HTTP 503 (next retry in ${WINDOW - 1_000} ms, after the window)`,
      counts: { waitedMs: 1_000, windowMs: WINDOW, caughtUp: 0, sharedConnection: 0, endedEarly: 1 },
      durationMs: 1_000,
    });
  });

  it('waits on when the retry comes 1 ms before the window’s end', async () => {
    s.controller.retryDelayMs = WINDOW - 1_001;
    const { result } = start();
    await vi.advanceTimersByTimeAsync(1_000);
    s.stream.set({ error: 'HTTP 503' });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.stream.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect((await result).counts).toMatchObject({ waitedMs: WINDOW, endedEarly: 0 });
  });

  it('times the retry from the first failure, not from each failed status after it', async () => {
    s.controller.retryDelayMs = WINDOW - 1_000;
    const { result } = start();
    await vi.advanceTimersByTimeAsync(0);
    s.stream.set({ error: 'HTTP 503' });
    await vi.advanceTimersByTimeAsync(1_500);
    s.stream.set({ error: 'HTTP 503 again' });
    expect(s.stream.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(await result).toMatchObject({
      reason: 'sync stream failed: HTTP 503 again',
      counts: { endedEarly: 0 },
    });
  });

  it('times the retry anew after the stream came back and failed again', async () => {
    s.controller.retryDelayMs = WINDOW - 2_000;
    const { result } = start();
    await vi.advanceTimersByTimeAsync(0);
    s.stream.set({ error: 'HTTP 503' });
    await vi.advanceTimersByTimeAsync(1_000);
    s.stream.set({ connected: true, downloading: true });
    await vi.advanceTimersByTimeAsync(1_500);
    s.stream.set({ error: 'HTTP 502' });
    expect(await result).toMatchObject({ counts: { waitedMs: 2_500, endedEarly: 1 } });
  });

  it('a connected stream reporting an error is not a failed one; a connecting one without error neither', async () => {
    s.controller.retryDelayMs = WINDOW;
    const { result } = start();
    await vi.advanceTimersByTimeAsync(0);
    s.stream.set({ connected: true, error: 'transient' });
    s.stream.set({ connected: false });
    expect(s.stream.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect(await result).toMatchObject({ stopCause: 'deadline', counts: { waitedMs: WINDOW } });
  });

  it('is offline when the connectivity port says so, and server_unavailable when it cannot tell', async () => {
    s.online = false;
    const stopAfterFailure = async () => {
      const { result } = start();
      await vi.advanceTimersByTimeAsync(0);
      s.stream.set({ error: 'fetch failed' });
      return (await result).stopCause;
    };
    expect(await stopAfterFailure()).toBe('offline');
    s.online = 'throws';
    expect(await stopAfterFailure()).toBe('server_unavailable');
  });

  it('judges the stream as it was at the end of the wait, not after the release disconnected it', async () => {
    s.controller.onRelease = () => s.stream.set({ connected: false });
    const { result } = start();
    await vi.advanceTimersByTimeAsync(0);
    s.stream.set({ error: 'HTTP 503' });
    expect((await result).reason).toMatch(/^sync stream failed: HTTP 503/);
    s.controller.onRelease = () => s.stream.set({ connected: false });
    const second = start();
    await vi.advanceTimersByTimeAsync(0);
    s.stream.set({ connected: true, downloading: true });
    await vi.advanceTimersByTimeAsync(WINDOW);
    expect((await second.result).reason).toBe(`not caught up within ${WINDOW} ms (still downloading)`);
  });
});

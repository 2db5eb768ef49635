// One background run in-process: the real run, uploader, mutexes and ApiClient, with test doubles
// for the run log's SQL, ps_crud and the server (support/crudFakes). backgroundRun.test.ts runs the
// same against the real server and SDK; these are fast enough for mutation testing.
import { describe, expect, it } from 'vitest';
import { AbortError, TimeoutError } from '../src/abort';
import { ApiClient } from '../src/apiClient';
import { CrudUploader } from '../src/crudUploader';
import type { SqlExecutor, SyncDatabase } from '../src/database';
import { Mutex } from '../src/mutex';
import type { Ports } from '../src/ports';
import { ABORT_GRACE_MS, type RunEngine, type RunRequest, runBackgroundSync } from '../src/runBackgroundSync';
import type { PhaseResult, RunContext, RunPhase } from '../src/runPhase';
import { DEFAULT_SETTINGS } from '../src/settings';
import { FakeCrudDb, FakeUploadServer, silentLogger } from './support/crudFakes';
import { manualClock } from './support/manualClock';

/** Test double of the run log's table: records each statement; `killed` running rows are found at start. */
class FakeRunLog {
  statements: Array<{ sql: string; params: unknown[] }> = [];
  killed = 0;
  failEnd = false;

  asSyncDatabase(): SyncDatabase {
    const tx = {
      execute: async (sql: string, params: unknown[] = []) => {
        if (this.failEnd && sql.startsWith("UPDATE sync_runs SET state = 'finished'"))
          throw new Error('disk full');
        this.statements.push({ sql, params });
        return {};
      },
      get: async () => ({ n: this.killed }),
    } as unknown as SqlExecutor;
    return {
      writeTransaction: async <T>(fn: (t: SqlExecutor) => Promise<T>) => fn(tx),
    } as unknown as SyncDatabase;
  }

  /** The outcome written when the run's row was completed (or the skipped row inserted). */
  get finished(): { outcome: unknown; error: unknown } | undefined {
    const end = this.statements.find((s) => s.sql.startsWith("UPDATE sync_runs SET state = 'finished'"));
    if (end) return { outcome: end.params[1], error: end.params[3] };
    const skipped = this.statements.find(
      (s) => s.sql.includes("'skipped_busy'") || s.params.includes('skipped_busy'),
    );
    return skipped ? { outcome: 'skipped_busy', error: null } : undefined;
  }
}

function recordingPhase(name: 'photos' | 'download', run: (ctx: RunContext) => Promise<PhaseResult>) {
  const calls: RunContext[] = [];
  const phase: RunPhase = {
    name,
    run: (ctx) => {
      calls.push(ctx);
      return run(ctx);
    },
  };
  return { phase, calls };
}

function setup(
  opts: { online?: boolean; token?: () => Promise<string | null>; phases?: RunEngine['phases'] } = {},
) {
  const runLog = new FakeRunLog();
  const crud = new FakeCrudDb();
  const server = new FakeUploadServer();
  const clock = manualClock();
  const settings = { ...DEFAULT_SETTINGS, safetyMarginMs: 1_000, requestTimeoutMs: 5_000 };
  const ports: Ports = {
    fetch: server.fetch,
    uploadFile: async () => {
      throw new Error('not used');
    },
    files: {
      info: async () => ({ exists: false, size: 0 }),
      move: async () => {},
      remove: async () => {},
    },
    clock,
    connectivity: { getState: async () => ({ online: opts.online ?? true, metered: true }) },
    auth: { getToken: opts.token ?? (async () => 'token') },
    logger: silentLogger,
    documentsDir: '/docs',
    apiUrl: 'http://server.test',
  };
  const api = new ApiClient(ports);
  const uploader = new CrudUploader({
    db: crud.asSyncDatabase(),
    api,
    connectivity: ports.connectivity,
    clock,
    logger: silentLogger,
    settings,
  });
  const active: Array<string | null> = [];
  let abortActive: ((reason: string) => void) | undefined;
  const engine: RunEngine = {
    db: runLog.asSyncDatabase(),
    ports,
    settings,
    api,
    uploader,
    runMutex: new Mutex(),
    uploadMutex: new Mutex(),
    phases: opts.phases ?? {},
    setActive: (run) => {
      active.push(run?.runId ?? null);
      abortActive = run?.abort;
    },
  };
  const run = (request: Partial<RunRequest> = {}) =>
    runBackgroundSync(engine, { budgetMs: 60_000, trigger: 'background', ...request });
  return { runLog, crud, server, clock, engine, run, active, abort: (r: string) => abortActive?.(r) };
}

describe('runBackgroundSync (in-process)', () => {
  it('runs preflight, crud, photos, crud again and download, and reports what each did', async () => {
    const holders: Array<string | null> = [];
    let t!: ReturnType<typeof setup>;
    const photos = recordingPhase('photos', async (ctx) => {
      holders.push(t.engine.runMutex.holder, `run:${ctx.runId}`);
      t.clock.jump(700);
      return { status: 'done', counts: { uploaded: 2, bytes: 1_000 } };
    });
    const download = recordingPhase('download', async () => ({ status: 'done', counts: { rows: 3 } }));
    t = setup({ phases: { photos: photos.phase, download: download.phase } });
    t.server.answer = (req) => {
      holders.push(t.engine.uploadMutex.holder);
      return { status: 200, body: { applied: req.batch.map((o) => o.op_id), rejected: [] } };
    };
    const startedAt = t.clock.now();
    t.crud.addTransaction(1, [10, 10]);
    const report = await t.run({ trigger: 'manual', budgetMs: 30_000 });

    expect(report.outcome).toBe('completed');
    expect(report.reason).toBeUndefined();
    expect(report.phases.map((p) => [p.name, p.status])).toEqual([
      ['preflight', 'done'],
      ['crud', 'done'],
      ['photos', 'done'],
      ['crud_after_photos', 'done'],
      ['download', 'done'],
    ]);
    const crudBytes = t.server.requests.reduce((s, q) => s + q.bytes, 0);
    expect(crudBytes).toBeGreaterThan(0);
    expect(report.counts).toEqual({
      'preflight.metered': 1,
      'crud.requests': 1,
      'crud.applied': 2,
      'crud.rejected': 0,
      'crud.transactions': 1,
      'crud.bytes': crudBytes,
      'photos.uploaded': 2,
      'photos.bytes': 1_000,
      'download.rows': 3,
    });
    expect(report.bytesSent).toBe(crudBytes + 1_000);
    expect(report).toMatchObject({
      trigger: 'manual',
      budgetMs: 30_000,
      startedAt,
      finishedAt: startedAt + 700,
      durationMs: 700,
      killedRunsFound: 0,
      errors: [],
    });
    expect(report.runId).toMatch(/^run-[0-9a-z]+-[0-9a-z]+$/);
    expect(report.phases.map((p) => p.durationMs)).toEqual([0, 0, 700, 0, 0]);
    // No reason and no retryAt: the keys are absent, not undefined.
    expect(Object.keys(report)).not.toContain('retryAt');
    expect(Object.keys(report)).not.toContain('reason');
    // The run held the run mutex and the upload mutex under its own name.
    expect(holders).toEqual([`run:${report.runId}`, `run:${report.runId}`, `run:${report.runId}`]);
    expect(t.server.healthChecks).toBe(1);
    expect(t.crud.rows).toEqual([]);

    // The phases got the run's context.
    const ctx = photos.calls[0];
    expect(ctx).toMatchObject({ runId: report.runId, trigger: 'manual', startedAt });
    expect(ctx?.budget.signal.aborted).toBe(false);
    expect(ctx?.budget.endsAt).toBe(startedAt + 30_000);
    expect(download.calls).toHaveLength(1);

    // The run row was opened and completed; the run was active and is no longer; mutexes are free.
    expect(t.runLog.statements[0]?.sql).toMatch(/^INSERT INTO sync_runs/);
    expect(t.runLog.statements[0]?.params).toEqual([report.runId, 'manual', 30_000, startedAt]);
    expect(t.runLog.finished).toEqual({ outcome: 'completed', error: null });
    expect(t.active).toEqual([report.runId, null]);
    expect(t.engine.runMutex.isLocked).toBe(false);
    expect(t.engine.uploadMutex.isLocked).toBe(false);
  });

  it('without photo and download phases those steps are skipped as not configured', async () => {
    const t = setup();
    const report = await t.run();
    expect(report.outcome).toBe('completed');
    expect(report.phases.filter((p) => p.status === 'skipped').map((p) => [p.name, p.reason])).toEqual([
      ['photos', 'not configured'],
      ['download', 'not configured'],
    ]);
    // A skipped phase's reason is no error.
    expect(report.errors).toEqual([]);
  });

  it('a phase that stops without a cause also ends the run', async () => {
    const photos = recordingPhase('photos', async () => ({ status: 'stopped', reason: 'queue locked' }));
    const download = recordingPhase('download', async () => ({ status: 'done' }));
    const t = setup({ phases: { photos: photos.phase, download: download.phase } });
    const report = await t.run();
    expect(download.calls).toHaveLength(0);
    expect(report.errors).toEqual(['photos: queue locked']);
  });

  it('a second run while one is active is skipped_busy and recorded, touching nothing', async () => {
    const t = setup();
    const release = t.engine.runMutex.tryAcquire('run:other');
    t.crud.addTransaction(1, [1]);
    const report = await t.run();
    expect(report.outcome).toBe('skipped_busy');
    expect(report.reason).toBe('another run is active (run:other)');
    expect(report.phases).toEqual([]);
    expect(t.server.requests).toHaveLength(0);
    expect(t.server.healthChecks).toBe(0);
    expect(t.runLog.statements).toHaveLength(2);
    expect(t.runLog.statements[0]?.sql).toMatch(/^INSERT INTO sync_runs/);
    expect(t.runLog.statements[0]?.params[0]).toBe(report.runId);
    expect(t.active).toEqual([]);
    expect(t.engine.runMutex.holder).toBe('run:other');
    release?.();
  });

  it('offline (per the OS) stops in preflight: nothing is sent', async () => {
    const t = setup({ online: false });
    t.crud.addTransaction(1, [1]);
    const report = await t.run();
    expect(report).toMatchObject({ outcome: 'offline', reason: 'the OS reports no network' });
    expect(report.phases.map((p) => [p.name, p.status])).toEqual([['preflight', 'stopped']]);
    expect(t.server.healthChecks).toBe(0);
    expect(t.server.requests).toHaveLength(0);
    expect(report.errors).toEqual(['preflight: the OS reports no network']);
    expect(t.runLog.finished).toEqual({ outcome: 'offline', error: 'preflight: the OS reports no network' });
  });

  it('offline is found before asking for a token', async () => {
    const t = setup({ online: false, token: async () => null });
    expect((await t.run()).outcome).toBe('offline');
  });

  it('no signed-in user stops in preflight as signed_out', async () => {
    const t = setup({ token: async () => null });
    const report = await t.run();
    expect(report).toMatchObject({ outcome: 'signed_out', reason: 'no user is signed in' });
    expect(report.phases[0]?.status).toBe('stopped');
    expect(t.server.healthChecks).toBe(0);
  });

  it('a failing token provider stops as server_unavailable and names the failure', async () => {
    const t = setup({
      token: async () => {
        throw new Error('keychain locked');
      },
    });
    const report = await t.run();
    expect(report).toMatchObject({
      outcome: 'server_unavailable',
      reason: 'token provider failed: keychain locked',
    });
    expect(report.phases[0]?.status).toBe('stopped');
  });

  it('a failing health check stops in preflight', async () => {
    const t = setup();
    t.server.health = { status: 503 };
    const report = await t.run();
    expect(report).toMatchObject({ outcome: 'server_unavailable', reason: 'HTTP 503' });
    expect(report.phases.map((p) => p.status)).toEqual(['stopped']);
  });

  it('no time left outside the safety margin stops in preflight as deadline', async () => {
    const t = setup();
    const report = await t.run({ budgetMs: 1_000 });
    expect(report).toMatchObject({ outcome: 'deadline', reason: 'no time left' });
    expect(report.phases[0]?.status).toBe('stopped');
    expect(t.server.healthChecks).toBe(0);
  });

  it('a crud stop with Retry-After ends the run and reports when to come back', async () => {
    const photos = recordingPhase('photos', async () => ({ status: 'done' }));
    const t = setup({ phases: { photos: photos.phase } });
    t.crud.addTransaction(1, [1]);
    t.server.answer = () => ({ status: 503, headers: { 'retry-after': '120' } });
    const report = await t.run();
    expect(report).toMatchObject({
      outcome: 'server_unavailable',
      reason: 'HTTP 503',
      retryAt: t.clock.now() + 120_000,
    });
    expect(report.phases.map((p) => [p.name, p.status, p.stopCause])).toEqual([
      ['preflight', 'done', undefined],
      ['crud', 'stopped', 'server_unavailable'],
    ]);
    expect(report.phases[1]?.counts).toMatchObject({ requests: 1, applied: 0 });
    expect(photos.calls).toHaveLength(0);
    expect(report.errors).toEqual(['crud: HTTP 503']);
    expect(t.engine.uploadMutex.isLocked).toBe(false);
  });

  it("the crud upload runs under the run's budget: the app's abort ends its request at once", async () => {
    const t = setup();
    t.crud.addTransaction(1, [1]);
    t.server.answer = (_req, _i, signal) =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason));
        t.abort('app_active');
      });
    const report = await t.run();
    expect(report.outcome).toBe('aborted');
    // Not cut off after the abort grace: the request itself ended with the abort.
    expect(report.phases[1]).toMatchObject({ name: 'crud', stopCause: 'aborted', reason: 'app_active' });
    expect(t.crud.ids).toEqual([1]);
  });

  it('a crud stop without Retry-After sets no retryAt', async () => {
    const t = setup();
    t.crud.addTransaction(1, [1]);
    t.server.answer = () => ({ status: 500 });
    const report = await t.run();
    expect(report.outcome).toBe('server_unavailable');
    expect(report.retryAt).toBeUndefined();
  });

  it('a phase that stops ends the run: later steps do not run', async () => {
    const photos = recordingPhase('photos', async () => ({
      status: 'stopped',
      stopCause: 'offline',
      reason: 'lost',
    }));
    const download = recordingPhase('download', async () => ({ status: 'done' }));
    const t = setup({ phases: { photos: photos.phase, download: download.phase } });
    const report = await t.run();
    expect(report).toMatchObject({ outcome: 'offline', reason: 'lost' });
    expect(report.phases.map((p) => p.name)).toEqual(['preflight', 'crud', 'photos']);
    expect(download.calls).toHaveLength(0);
  });

  it('a phase that is done but names a stop cause also ends the run', async () => {
    const photos = recordingPhase('photos', async () => ({ status: 'done', stopCause: 'deadline' }));
    const download = recordingPhase('download', async () => ({ status: 'done' }));
    const t = setup({ phases: { photos: photos.phase, download: download.phase } });
    const report = await t.run();
    expect(report.outcome).toBe('deadline');
    expect(download.calls).toHaveLength(0);
    expect(report.errors).toEqual([]);
  });

  it('an unexpected error fails the run, which still completes its row and frees its mutexes', async () => {
    const photos = recordingPhase('photos', async () => {
      throw new Error('disk gone');
    });
    const t = setup({ phases: { photos: photos.phase } });
    const report = await t.run();
    expect(report).toMatchObject({ outcome: 'failed', reason: 'disk gone', errors: ['disk gone'] });
    expect(t.runLog.finished).toEqual({ outcome: 'failed', error: 'disk gone' });
    expect(t.engine.runMutex.isLocked).toBe(false);
    expect(t.engine.uploadMutex.isLocked).toBe(false);
    expect(t.active.at(-1)).toBeNull();
  });

  it('afterRun gets the final report, the deadline and the signal once the row is complete', async () => {
    const t = setup();
    const seen: Array<{ outcome: string; rowDone: boolean; endsAt: number; aborted: boolean }> = [];
    t.engine.afterRun = async (report, { endsAt, signal }) => {
      seen.push({
        outcome: report.outcome,
        rowDone: t.runLog.finished !== undefined,
        endsAt,
        aborted: signal.aborted,
      });
    };
    const startedAt = t.clock.now();
    await t.run({ budgetMs: 20_000 });
    expect(seen).toEqual([
      { outcome: 'completed', rowDone: true, endsAt: startedAt + 20_000, aborted: false },
    ]);
  });

  it('a failing afterRun still frees the run mutex', async () => {
    const t = setup();
    t.engine.afterRun = async () => {
      throw new Error('report failed');
    };
    expect((await t.run()).outcome).toBe('completed');
    expect(t.engine.runMutex.isLocked).toBe(false);
  });

  it('runs found still running at start are reported as killed', async () => {
    const t = setup();
    t.runLog.killed = 2;
    const report = await t.run();
    expect(report.killedRunsFound).toBe(2);
  });

  it('a run log that cannot be completed still returns the report and frees the mutex', async () => {
    const t = setup();
    t.runLog.failEnd = true;
    const report = await t.run();
    expect(report.outcome).toBe('completed');
    expect(t.engine.runMutex.isLocked).toBe(false);
  });

  it('an abort by the app stops the phase in progress as aborted', async () => {
    let t!: ReturnType<typeof setup>;
    const photos = recordingPhase(
      'photos',
      (ctx) =>
        new Promise<PhaseResult>((_resolve, reject) => {
          ctx.budget.signal.addEventListener('abort', () => reject(ctx.budget.signal.reason));
          t.abort('app became active');
        }),
    );
    const download = recordingPhase('download', async () => ({ status: 'done' }));
    t = setup({ phases: { photos: photos.phase, download: download.phase } });
    const report = await t.run();
    expect(report).toMatchObject({ outcome: 'aborted', reason: 'app became active' });
    expect(report.phases.at(-1)).toMatchObject({ name: 'photos', status: 'stopped', stopCause: 'aborted' });
    expect(download.calls).toHaveLength(0);
  });

  it('a phase slower than the abort grace is not cut off when nothing aborts', async () => {
    const photos = recordingPhase(
      'photos',
      () =>
        new Promise<PhaseResult>((resolve) =>
          setTimeout(() => resolve({ status: 'done' }), ABORT_GRACE_MS + 200),
        ),
    );
    const t = setup({ phases: { photos: photos.phase } });
    const report = await t.run();
    expect(report.outcome).toBe('completed');
  });

  it('an AbortError from a phase while the run is not aborted fails the run', async () => {
    const photos = recordingPhase('photos', async () => {
      throw new AbortError('a request of its own');
    });
    const t = setup({ phases: { photos: photos.phase } });
    const report = await t.run();
    expect(report).toMatchObject({ outcome: 'failed', reason: 'a request of its own' });
  });

  it('after an abort, a phase failing with another error still fails the run', async () => {
    let t!: ReturnType<typeof setup>;
    const photos = recordingPhase('photos', async () => {
      t.abort('app became active');
      throw new Error('disk gone');
    });
    t = setup({ phases: { photos: photos.phase } });
    const report = await t.run();
    expect(report).toMatchObject({ outcome: 'failed', reason: 'disk gone' });
  });

  it('after an abort, a phase failing with a TimeoutError counts as stopped by the abort', async () => {
    let t!: ReturnType<typeof setup>;
    const photos = recordingPhase('photos', async () => {
      t.abort('app became active');
      throw new TimeoutError('request timed out');
    });
    t = setup({ phases: { photos: photos.phase } });
    const report = await t.run();
    expect(report).toMatchObject({ outcome: 'aborted', reason: 'app became active' });
  });

  it('an already-aborted platform signal stops before any request, as aborted', async () => {
    const t = setup();
    t.crud.addTransaction(1, [1]);
    const ctl = new AbortController();
    ctl.abort(new Error('expired'));
    const report = await t.run({ signal: ctl.signal });
    expect(report.outcome).toBe('aborted');
    expect(t.server.requests).toHaveLength(0);
    expect(t.crud.ids).toEqual([1]);
  });

  it('a phase that ignores the abort is cut off after the grace period; the run mutex waits for it', async () => {
    let finish!: () => void;
    let t!: ReturnType<typeof setup>;
    const photos = recordingPhase(
      'photos',
      () =>
        new Promise<PhaseResult>((resolve) => {
          finish = () => resolve({ status: 'done' });
          // Later, so the run is already waiting on this phase when the abort comes.
          setTimeout(() => t.abort('user opened the app'), 10);
        }),
    );
    t = setup({ phases: { photos: photos.phase } });
    const started = Date.now();
    const report = await t.run();
    expect(Date.now() - started).toBeGreaterThanOrEqual(ABORT_GRACE_MS - 50);
    expect(report.outcome).toBe('aborted');
    expect(report.phases.at(-1)?.reason).toBe(`photos did not stop within ${ABORT_GRACE_MS} ms of the abort`);
    expect(t.engine.runMutex.isLocked).toBe(true);
    finish();
    await new Promise((r) => setTimeout(r, 0));
    await Promise.resolve();
    expect(t.engine.runMutex.isLocked).toBe(false);
  });
});

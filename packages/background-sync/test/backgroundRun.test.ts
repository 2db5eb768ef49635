// One background run against the real server (in-process, PGlite), through a fault proxy.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunPhase } from '../src/runPhase';
import {
  newTestUser,
  type ServerFixture,
  serverRows,
  startServerFixture,
  type TestUser,
} from '../testing/serverFixture';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';
import { createTestEngine, TestAuth } from '../testing/testEngine';
import { WALL_CLOCK_SLACK_MS } from './support/wallClock';

const UPLOAD = '/api/powersync/upload';

let fx: ServerFixture;
let t: TestDatabase;
let user: TestUser;
let auth: TestAuth;

beforeAll(async () => {
  fx = await startServerFixture();
});
afterAll(async () => {
  await fx?.close();
});
beforeEach(async () => {
  t = await openTestDatabase();
  user = newTestUser(fx.server);
  auth = new TestAuth(user.token);
  fx.proxy.reset();
});
afterEach(async () => {
  await t.close();
});

function engineFor(opts: Partial<Parameters<typeof createTestEngine>[0]> = {}) {
  return createTestEngine({ db: t.syncDb, apiUrl: fx.proxy.url, getToken: auth.getToken, ...opts });
}

/** `n` schedules, each inserted in its own transaction (as a technician's taps would be). */
async function insertSchedules(n: number, prefix = 'Customer'): Promise<void> {
  for (let i = 0; i < n; i++) {
    await t.db.execute("INSERT INTO schedules (id, customer, status) VALUES (uuid(), ?, 'scheduled')", [
      `${prefix} ${i}`,
    ]);
  }
}

async function pending(): Promise<number> {
  return (await t.db.get<{ n: number }>('SELECT count(*) AS n FROM ps_crud')).n;
}

async function serverCount(table: string): Promise<number> {
  const rows = await serverRows<{ n: string | number }>(
    fx.server,
    `SELECT count(*) AS n FROM ${table} WHERE org_id = $1`,
    [user.orgId],
  );
  return Number(rows[0]?.n);
}

/** A token the server refuses (signed by nobody). */
const BAD_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('a background run', () => {
  it('uploads 10,000 offline ops made in 10,000 transactions in one run, in ≤ 15 requests', async () => {
    await insertSchedules(10_000);
    expect(await pending()).toBe(10_000);
    const { engine } = engineFor();
    const report = await engine.runBackgroundSync({ budgetMs: 120_000, trigger: 'background' });

    expect(report.outcome).toBe('completed');
    expect(report.counts['crud.applied']).toBe(10_000);
    expect(report.counts['crud.transactions']).toBe(10_000);
    expect(report.counts['crud.requests']).toBeLessThanOrEqual(15);
    expect(fx.proxy.count(UPLOAD, 'POST')).toBe(report.counts['crud.requests']);
    expect(await pending()).toBe(0);
    expect(await serverCount('schedules')).toBe(10_000);
    console.info(
      `10k ops: ${report.counts['crud.requests']} requests, ${report.bytesSent} bytes, run ${report.durationMs} ms`,
    );
  }, 90_000);

  it('sends integers as integers and completes; a rejected op goes to sync_rejections and the rest apply', async () => {
    // The whole second transaction is rejected because one of its ops is (tx_rejected).
    await t.db.execute(
      "INSERT INTO schedules (id, customer, status) VALUES ('00000000-0000-4000-8000-000000000001', 'Good', 'scheduled')",
    );
    await t.db.writeTransaction(async (tx) => {
      await tx.execute(
        "INSERT INTO schedules (id, customer, status) VALUES ('00000000-0000-4000-8000-000000000002', 'Fine alone', 'scheduled')",
      );
      await tx.execute(
        "INSERT INTO schedules (id, customer, status) VALUES ('00000000-0000-4000-8000-000000000003', 'Bad', 'no-such-status')",
      );
    });
    // Bound as text: SQLite keeps it as text in the CRUD payload; the uploader sends an integer.
    await t.db.execute(
      "INSERT INTO invoices (id, schedule_id, amount_cents, status) VALUES ('00000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000001', ?, 'draft')",
      ['1200'],
    );
    const { engine } = engineFor();
    const report = await engine.runBackgroundSync({ budgetMs: 30_000, trigger: 'manual' });

    expect(report.outcome).toBe('completed');
    expect(report.counts['crud.applied']).toBe(2);
    expect(report.counts['crud.rejected']).toBe(2);
    expect(await pending()).toBe(0);
    const rejections = await t.db.getAll<{ row_id: string; code: string; table_name: string }>(
      'SELECT row_id, code, table_name FROM sync_rejections ORDER BY op_id',
    );
    expect(rejections.map((r) => r.row_id)).toEqual([
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
    ]);
    expect(rejections[0]?.code).toBe('tx_rejected');
    const invoice = await serverRows<{ amount_cents: number }>(
      fx.server,
      'SELECT amount_cents FROM invoices WHERE id = $1',
      ['00000000-0000-4000-8000-000000000004'],
    );
    expect(invoice[0]?.amount_cents).toBe(1200);
    const overview = await engine.getSyncOverview();
    expect(overview.rejections.total).toBe(2);
    expect(overview.pendingChanges).toBe(0);
  });

  it('offline: outcome offline, no request made, nothing changed', async () => {
    await insertSchedules(3);
    const { engine, ports } = engineFor();
    ports.connectivity.set({ online: false });
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('offline');
    expect(fx.proxy.requests).toHaveLength(0);
    expect(await pending()).toBe(3);
  });

  it('a captive portal answering the health check counts as offline', async () => {
    await insertSchedules(1);
    fx.proxy.setRules([{ path: '/health', fault: { kind: 'portal' } }]);
    const { engine } = engineFor();
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('offline');
    expect(report.reason).toMatch(/captive portal/);
    expect(fx.proxy.count(UPLOAD)).toBe(0);
    expect(await pending()).toBe(1);
  });

  it('signed out: outcome signed_out, nothing uploaded', async () => {
    await insertSchedules(2);
    auth.signedIn = false;
    const { engine } = engineFor();
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('signed_out');
    expect(fx.proxy.count(UPLOAD)).toBe(0);
    expect(await pending()).toBe(2);
  });

  it('401: one force-refreshed token, then signed_out', async () => {
    await insertSchedules(2);
    let forced = 0;
    const { engine } = engineFor({
      getToken: async (o) => {
        if (o?.forceRefresh) forced++;
        return BAD_TOKEN;
      },
    });
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('signed_out');
    expect(forced).toBe(1);
    expect(fx.proxy.count(UPLOAD)).toBe(2);
    expect(await pending()).toBe(2);
  });

  it('401 then a good refreshed token: the upload goes through', async () => {
    await insertSchedules(2);
    let forced = 0;
    const { engine } = engineFor({
      getToken: async (o) => {
        if (o?.forceRefresh) forced++;
        return forced > 0 ? user.token() : BAD_TOKEN;
      },
    });
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('completed');
    expect(forced).toBe(1);
    expect(await serverCount('schedules')).toBe(2);
  });

  it('5xx: outcome server_unavailable, the queue kept', async () => {
    await insertSchedules(2);
    fx.proxy.setRules([{ path: UPLOAD, fault: { kind: 'status', status: 503 } }]);
    const { engine } = engineFor();
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('server_unavailable');
    expect(report.reason).toMatch(/503/);
    expect(fx.proxy.count(UPLOAD)).toBe(1);
    expect(await pending()).toBe(2);
  });

  it('429 with Retry-After: stops at once and reports when to come back', async () => {
    await insertSchedules(2);
    fx.proxy.setRules([
      { path: UPLOAD, fault: { kind: 'status', status: 429, headers: { 'retry-after': '120' } } },
    ]);
    const { engine } = engineFor();
    const before = Date.now();
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('server_unavailable');
    expect(fx.proxy.count(UPLOAD)).toBe(1);
    expect(report.retryAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(report.retryAt).toBeLessThanOrEqual(Date.now() + 120_000);
    expect(await pending()).toBe(2);
    // The next run of this runtime does not call before then either.
    fx.proxy.reset();
    const next = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'manual' });
    expect(next.outcome).toBe('server_unavailable');
    expect(next.retryAt).toBeGreaterThanOrEqual(report.retryAt ?? Number.NaN);
    expect(next.retryAt).toBeLessThanOrEqual((report.retryAt ?? Number.NaN) + 1_000);
    expect(fx.proxy.count(UPLOAD)).toBe(0);
  });

  it('413: halves the request and still uploads everything', async () => {
    await insertSchedules(40);
    fx.proxy.setRules([
      { path: UPLOAD, times: 2, fault: { kind: 'status', status: 413, body: { maxOps: 10 } } },
    ]);
    const { engine } = engineFor();
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('completed');
    // 40 refused, about 20 refused, then requests of about 10 (the byte limit halves too).
    expect(fx.proxy.requests.filter((r) => r.path === UPLOAD && r.result === 413)).toHaveLength(2);
    expect(report.counts['crud.requests']).toBeGreaterThanOrEqual(6);
    expect(report.counts['crud.requests']).toBeLessThanOrEqual(8);
    expect(report.counts['crud.applied']).toBe(40);
    expect(await serverCount('schedules')).toBe(40);
  });

  it("a network error on a body over the server's limit is taken as too large: halves, not a stop", async () => {
    await insertSchedules(40);
    // As a server does that answers 413 and closes while the client still writes: the socket dies.
    fx.proxy.setRules([{ path: UPLOAD, times: 1, fault: { kind: 'reset' } }]);
    const { engine } = engineFor({ settings: { crudServerMaxBytes: 2_000 } });
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('completed');
    expect(fx.proxy.requests.filter((r) => r.path === UPLOAD).map((r) => r.result)[0]).toBe('reset');
    expect(report.counts['crud.applied']).toBe(40);
    expect(await serverCount('schedules')).toBe(40);

    // Within the limit, the same failure is the network's: the phase stops and the ops wait.
    await insertSchedules(2, 'Later');
    fx.proxy.reset();
    fx.proxy.setRules([{ path: UPLOAD, fault: { kind: 'reset' } }]);
    const small = await engineFor().engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(small.outcome).not.toBe('completed');
    expect(fx.proxy.count(UPLOAD)).toBe(1);
    expect(await pending()).toBe(2);
  });

  it('a server that accepts connections and never answers: the run ends by its budget, not the 30 s request timeout', async () => {
    await insertSchedules(2);
    const budgetMs = 1_500;
    for (const rules of [
      [{ path: /.*/, fault: { kind: 'hang' as const } }],
      [{ path: UPLOAD, fault: { kind: 'hang' as const } }],
    ]) {
      fx.proxy.setRules(rules);
      const { engine } = engineFor({ settings: { requestTimeoutMs: 30_000 } });
      const started = Date.now();
      const report = await engine.runBackgroundSync({ budgetMs, trigger: 'background' });
      expect(Date.now() - started).toBeLessThanOrEqual(budgetMs + WALL_CLOCK_SLACK_MS);
      expect(['server_unavailable', 'deadline']).toContain(report.outcome);
    }
    expect(await pending()).toBe(2);
  });

  it('two runs started together: one proceeds, the other is skipped_busy', async () => {
    await insertSchedules(5);
    const { engine } = engineFor();
    const reports = await Promise.all([
      engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' }),
      engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'manual' }),
    ]);
    expect(reports.map((r) => r.outcome).sort()).toEqual(['completed', 'skipped_busy']);
    expect(await serverCount('schedules')).toBe(5);
    const overview = await engine.getSyncOverview();
    expect(overview.lastRuns.map((r) => r.outcome).sort()).toEqual(['completed', 'skipped_busy']);
    // The mutex was released: a third run proceeds.
    expect((await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'manual' })).outcome).toBe(
      'completed',
    );
  });

  it('the app turning active aborts the run at once, not after the 20 s request; the foreground hold stays connected', async () => {
    await insertSchedules(2);
    fx.proxy.setRules([
      { path: UPLOAD, fault: { kind: 'hang' } },
      {
        path: '/api/powersync/token',
        fault: {
          kind: 'status',
          status: 200,
          body: {
            endpoint: `${fx.proxy.url}/ps`,
            token: 'ps',
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          },
        },
      },
      { path: '/ps/sync/stream', fault: { kind: 'status', status: 503 } },
    ]);
    const { engine } = engineFor({ settings: { requestTimeoutMs: 20_000 } });
    const run = engine.runBackgroundSync({ budgetMs: 30_000, trigger: 'background' });
    await waitUntil(() => fx.proxy.count(UPLOAD) > 0);
    const abortedAt = Date.now();
    const foreground = engine.setAppActive(true);
    const report = await run;
    const endedAfter = Date.now() - abortedAt;
    await foreground;
    expect(report.outcome).toBe('aborted');
    expect(endedAfter).toBeLessThan(WALL_CLOCK_SLACK_MS);
    expect(engine.controller.holds).toEqual(['foreground']);
    expect(engine.controller.state).toBe('connected');
    expect(engine.activeRunId).toBeNull();
    await engine.close();
    expect(engine.controller.state).toBe('disconnected');
    expect(await pending()).toBe(2);
  });

  it("the SDK's uploadData waits for a run's upload mutex instead of failing, then uploads", async () => {
    await insertSchedules(3);
    fx.proxy.setRules([
      {
        path: '/api/powersync/token',
        fault: {
          kind: 'status',
          status: 200,
          body: {
            endpoint: `${fx.proxy.url}/ps`,
            token: 'ps',
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          },
        },
      },
      { path: '/ps/sync/stream', fault: { kind: 'status', status: 503 } },
    ]);
    const { engine } = engineFor();
    const release = engine.uploadMutex.tryAcquire('run:test');
    await engine.setAppActive(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(fx.proxy.count(UPLOAD)).toBe(0);
    expect(t.db.currentStatus.dataFlowStatus.uploadError).toBeUndefined();
    release?.();
    await waitUntil(() => fx.proxy.count(UPLOAD) > 0);
    await t.db.waitForStatus((s) => !s.dataFlowStatus.uploading, AbortSignal.timeout(5_000));
    await waitUntilAsync(async () => (await pending()) === 0);
    expect(await serverCount('schedules')).toBe(3);
    await engine.close();
  });

  it('an unexpected error ends the run `failed`, logged, and everything is released', async () => {
    await insertSchedules(1);
    const boom: RunPhase = {
      name: 'photos',
      run: async () => {
        throw new TypeError('photo phase exploded');
      },
    };
    const { engine } = engineFor({ phases: { photos: boom } });
    const report = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    expect(report.outcome).toBe('failed');
    expect(report.errors.join()).toMatch(/photo phase exploded/);
    expect(engine.activeRunId).toBeNull();
    const overview = await engine.getSyncOverview();
    expect(overview.lastRuns[0]).toMatchObject({ state: 'finished', outcome: 'failed' });
    // The CRUD step before the phase did its work, and the next run is not blocked.
    expect(await serverCount('schedules')).toBe(1);
    const next = createTestEngine({ db: t.syncDb, apiUrl: fx.proxy.url, getToken: auth.getToken });
    expect((await next.engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'manual' })).outcome).toBe(
      'completed',
    );
  });

  it('a phase that ignores the abort cannot hold the run, but keeps the run mutex until it ends', async () => {
    let entered = false;
    let finish: () => void = () => {};
    const stubborn: RunPhase = {
      name: 'photos',
      run: () => {
        if (entered) return Promise.resolve({ status: 'done' });
        entered = true;
        return new Promise((resolve) => {
          finish = () => resolve({ status: 'done' });
        });
      },
    };
    const { engine } = engineFor({ phases: { photos: stubborn } });
    const run = engine.runBackgroundSync({ budgetMs: 30_000, trigger: 'background' });
    await waitUntil(() => entered);
    const t0 = Date.now();
    expect(engine.abortActiveRun('app_active')).toBe(true);
    const report = await run;
    expect(Date.now() - t0).toBeLessThan(WALL_CLOCK_SLACK_MS);
    expect(report.outcome).toBe('aborted');
    expect(report.phases.find((p) => p.name === 'photos')?.reason).toMatch(/did not stop/);
    expect((await engine.runBackgroundSync({ budgetMs: 1_000, trigger: 'manual' })).outcome).toBe(
      'skipped_busy',
    );
    finish();
    await new Promise((r) => setTimeout(r, 20));
    expect((await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'manual' })).outcome).toBe(
      'completed',
    );
  });

  it('the overview shows pending changes, photos by state, runs and the last successful sync', async () => {
    await insertSchedules(2);
    const now = Date.now();
    await t.db.execute(
      `INSERT INTO photo_attachments (id, local_path, media_type, size, state, attempts, next_attempt_at, last_error, created_at)
       VALUES ('p1', 'photos/p1.jpg', 'image/jpeg', 10, 'QUEUED_UPLOAD', 0, 0, NULL, ?),
              ('p2', 'photos/p2.jpg', 'image/jpeg', 10, 'FAILED', 5, 0, 'media store refused: 400', ?)`,
      [now, now],
    );
    const { engine, ports } = engineFor();
    ports.connectivity.set({ online: false });
    await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'background' });
    let overview = await engine.getSyncOverview();
    expect(overview.pendingChanges).toBe(2);
    expect(overview.photos.byState).toEqual({ QUEUED_UPLOAD: 1, FAILED: 1 });
    expect(overview.photos.failed).toEqual([
      { id: 'p2', localPath: 'photos/p2.jpg', attempts: 5, lastError: 'media store refused: 400' },
    ]);
    expect(overview.lastSuccessfulSyncAt).toBeNull();
    ports.connectivity.set({ online: true });
    const ok = await engine.runBackgroundSync({ budgetMs: 10_000, trigger: 'manual' });
    overview = await engine.getSyncOverview();
    expect(overview.pendingChanges).toBe(0);
    expect(overview.lastRuns.map((r) => r.outcome)).toEqual(['completed', 'offline']);
    expect(overview.lastSuccessfulSyncAt).toBe(ok.finishedAt);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  await waitUntilAsync(async () => check(), timeoutMs);
}

async function waitUntilAsync(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

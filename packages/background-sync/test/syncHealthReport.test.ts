// The sync health report: each run ends by sending the runs the server has not had yet, after the
// run's user data and within its budget, to the real server (PGlite) through a fault proxy.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackgroundCapability, DevicePort } from '../src/backgroundCapability';
import { recordRunStart } from '../src/runLog';
import { SYNC_HEALTH_PATH } from '../src/syncHealthReporter';
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

const capability: BackgroundCapability = {
  status: 'restricted',
  backgroundAppRefresh: false,
  lowPowerMode: true,
  batteryOptimization: null,
  policy: 'on-background',
};
const device: DevicePort = {
  platform: 'ios',
  name: 'Test iPhone',
  appVersion: '2.0.0',
  backgroundCapability: async () => capability,
};

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

function engine(settings = {}) {
  return createTestEngine({ db: t.syncDb, apiUrl: fx.proxy.url, getToken: auth.getToken, device, settings })
    .engine;
}

async function serverRuns(): Promise<
  { run_id: string; outcome: string; ops_applied: number; trigger: string }[]
> {
  return serverRows(
    fx.server,
    'SELECT run_id, outcome, ops_applied, trigger FROM device_sync_runs WHERE org_id = $1 ORDER BY started_at, run_id',
    [user.orgId],
  );
}

describe('the sync health report', () => {
  it('ends the run: after its uploads, with its counts, the queues and the capability', async () => {
    await t.db.execute("INSERT INTO schedules (id, customer, status) VALUES (uuid(), 'A', 'scheduled')");
    await t.db.execute("INSERT INTO schedules (id, customer, status) VALUES (uuid(), 'B', 'scheduled')");
    const report = await engine().runBackgroundSync({ budgetMs: 60_000, trigger: 'background' });
    expect(report.outcome).toBe('completed');

    const paths = fx.proxy.requests.map((r) => r.path);
    expect(paths.at(-1)).toBe(SYNC_HEALTH_PATH);
    expect(paths.lastIndexOf(UPLOAD)).toBeLessThan(paths.indexOf(SYNC_HEALTH_PATH));
    expect(fx.proxy.count(SYNC_HEALTH_PATH, 'POST')).toBe(1);
    expect(await serverRuns()).toEqual([
      { run_id: report.runId, outcome: 'completed', ops_applied: 2, trigger: 'background' },
    ]);
    const [row] = await serverRows<Record<string, unknown>>(
      fx.server,
      'SELECT user_id, platform, device_name, capability, pending_changes, last_successful_sync_at FROM device_sync_devices WHERE org_id = $1',
      [user.orgId],
    );
    expect(row).toMatchObject({
      user_id: user.userId,
      platform: 'ios',
      device_name: 'Test iPhone',
      capability,
      pending_changes: 0,
    });
    expect(row?.last_successful_sync_at).not.toBeNull();
  });

  it('sends each run once; a run killed mid-way is reported by the next run as killed', async () => {
    const sync = engine();
    const first = await sync.runBackgroundSync({ budgetMs: 60_000, trigger: 'manual' });
    // A run the process died in: its row stays `running` until the next start marks it killed.
    await recordRunStart(t.syncDb, {
      id: 'run-dead',
      trigger: 'background',
      budgetMs: 60_000,
      startedAt: Date.now(),
    });
    const second = await sync.runBackgroundSync({ budgetMs: 60_000, trigger: 'resume' });
    expect(second.killedRunsFound).toBe(1);
    expect((await serverRuns()).map((r) => [r.run_id, r.outcome])).toEqual([
      [first.runId, 'completed'],
      ['run-dead', 'killed'],
      [second.runId, 'completed'],
    ]);
    expect(fx.proxy.count(SYNC_HEALTH_PATH, 'POST')).toBe(2);
  });

  it('a report the server refuses or that fails leaves the run outcome alone and goes with the next run', async () => {
    const sync = engine();
    fx.proxy.setRules([{ path: SYNC_HEALTH_PATH, fault: { kind: 'status', status: 503 } }]);
    const first = await sync.runBackgroundSync({ budgetMs: 60_000, trigger: 'background' });
    expect(first.outcome).toBe('completed');
    expect(await serverRuns()).toEqual([]);
    fx.proxy.setRules([]);
    const second = await sync.runBackgroundSync({ budgetMs: 60_000, trigger: 'background' });
    expect((await serverRuns()).map((r) => r.run_id)).toEqual([first.runId, second.runId]);
  });

  it('an offline run sends nothing; the next run sends it', async () => {
    const { engine: sync, ports } = createTestEngine({
      db: t.syncDb,
      apiUrl: fx.proxy.url,
      getToken: auth.getToken,
      device,
    });
    ports.connectivity.set({ online: false });
    const offline = await sync.runBackgroundSync({ budgetMs: 60_000, trigger: 'background' });
    expect(offline.outcome).toBe('offline');
    expect(fx.proxy.count(SYNC_HEALTH_PATH, 'POST')).toBe(0);
    ports.connectivity.set({ online: true });
    await sync.runBackgroundSync({ budgetMs: 60_000, trigger: 'background' });
    expect((await serverRuns()).map((r) => r.outcome)).toEqual(['offline', 'completed']);
  });

  it('never uses the second half of the safety margin: a run ending there leaves its report for later', async () => {
    // Budget 2 s, margin 1 s: the photo phase works until less than half the margin is left.
    const { engine: sync } = createTestEngine({
      db: t.syncDb,
      apiUrl: fx.proxy.url,
      getToken: auth.getToken,
      device,
      settings: { safetyMarginMs: 1_000 },
      phases: {
        photos: {
          name: 'photos',
          run: async (ctx) => {
            while (ctx.budget.remainingMs() > 400) await new Promise((r) => setTimeout(r, 20));
            return { status: 'done' };
          },
        },
      },
    });
    const late = await sync.runBackgroundSync({ budgetMs: 2_000, trigger: 'background' });
    expect(late.outcome).toBe('completed');
    expect(fx.proxy.count(SYNC_HEALTH_PATH, 'POST')).toBe(0);
    const next = await engine().runBackgroundSync({ budgetMs: 60_000, trigger: 'background' });
    expect((await serverRuns()).map((r) => r.run_id)).toEqual([late.runId, next.runId]);
  });

  it('a report stuck on the network is cut by the run budget, and the run still ends in it', async () => {
    // A request alone would wait 30 s: the budget must cut it.
    const sync = engine({ safetyMarginMs: 1_000, requestTimeoutMs: 30_000 });
    fx.proxy.setRules([{ path: SYNC_HEALTH_PATH, fault: { kind: 'hang' } }]);
    const started = Date.now();
    const report = await sync.runBackgroundSync({ budgetMs: 3_000, trigger: 'background' });
    expect(report.outcome).toBe('completed');
    expect(fx.proxy.count(SYNC_HEALTH_PATH, 'POST')).toBe(1);
    // It may use the budget but half the margin: 3 s − 0.5 s, plus slack for a busy machine.
    expect(Date.now() - started).toBeLessThan(2_500 + WALL_CLOCK_SLACK_MS);
  });
});

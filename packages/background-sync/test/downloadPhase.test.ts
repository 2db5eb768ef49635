// The download phase on its own (RunContext built by the test), against the PowerSync double with
// the real client: skips, catching up, isolation, deletes, a hung stream, 401s, resume, aborts, and
// sharing the connection with the foreground hold.
import {
  createPowerSyncDouble,
  createTestIssuer,
  type PowerSyncDouble,
  type TestIssuer,
} from '@vhd/powersync-double';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDownloadPhase } from '../src/downloadPhase';
import type { PhaseResult } from '../src/runPhase';
import type { SyncController } from '../src/syncController';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';
import { runContext, testConnector, testController, testPorts } from './downloadHarness';
import { WALL_CLOCK_SLACK_MS } from './support/wallClock';

const ORG = 'org-a';
let issuer: TestIssuer;
let double: PowerSyncDouble;
let t: TestDatabase;
let connector: ReturnType<typeof testConnector>;
let controller: SyncController;
let endpointConfigured = true;

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(async () => {
  endpointConfigured = true;
  double = await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl, audience: issuer.audience });
  t = await openTestDatabase();
  connector = testConnector(async () => ({
    endpoint: double.url,
    token: await issuer.mintToken({ sub: 'user-1', orgId: ORG }),
  }));
  controller = testController(t, connector);
});
afterEach(async () => {
  await controller.releaseAll();
  await t.close();
  await double.close();
});

// No uploads at this level (downloadRun.test.ts covers the run's own upload coming back).
const noUploads = { lastCompletedAt: undefined };
const phase = () =>
  createDownloadPhase({ controller, uploader: noUploads, isEndpointConfigured: () => endpointConfigured });

async function runPhase(options: Parameters<typeof runContext>[2] = {}): Promise<PhaseResult> {
  const ctx = runContext(t, testPorts(t.dir), options);
  try {
    return await phase().run(ctx);
  } finally {
    ctx.dispose();
  }
}

const schedule = (id: string, customer: string, orgId = ORG) => ({
  id,
  org_id: orgId,
  customer,
  status: 'planned',
});
const ids = async (table = 'schedules') =>
  (await t.db.getAll<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id);
const streamClosed = (since: number) =>
  double.waitFor((e) => e.type === 'stream_close', { since, timeoutMs: 5_000 });

describe('download phase: skips', () => {
  it('is skipped without a PowerSync endpoint, and connects to nothing', async () => {
    endpointConfigured = false;
    const r = await runPhase();
    expect(r).toMatchObject({ status: 'skipped', reason: 'no PowerSync endpoint configured' });
    expect(double.stats().streamsOpened).toBe(0);
  });

  it('is skipped while local changes are queued in ps_crud, and says so', async () => {
    await t.db.execute('INSERT INTO schedules (id, customer) VALUES (?, ?)', ['local-1', 'L']);
    double.putRow(ORG, 'schedules', schedule('s1', 'A'));
    const r = await runPhase();
    expect(r).toMatchObject({ status: 'skipped', counts: { pendingChanges: 1 } });
    expect(r.reason).toMatch(/queued in ps_crud/);
    expect(double.stats().streamsOpened).toBe(0);
    expect(controller.state).toBe('disconnected');
  });

  it('is skipped when too little time is left outside the safety margin', async () => {
    // 200 ms margin + 500 ms minimum window: a 600 ms budget leaves a 400 ms window.
    const r = await runPhase({ budgetMs: 600 });
    expect(r.status).toBe('skipped');
    expect(r.reason).toMatch(/safety margin/);
    expect(double.stats().streamsOpened).toBe(0);
  });
});

describe('download phase: catching up', () => {
  it('brings the organization’s rows, never another organization’s, applies deletes, then disconnects', async () => {
    double.putRows(ORG, 'schedules', [schedule('s1', 'A'), schedule('s2', 'B')]);
    double.putRow(ORG, 'invoices', { id: 'i1', org_id: ORG, amount_cents: 990, status: 'draft' });
    double.putRow('org-b', 'schedules', schedule('b1', 'Other', 'org-b'));
    await double.replicated(); // the service has them (past its replication lag)
    const first = await runPhase();
    expect(first).toMatchObject({ status: 'done', counts: { caughtUp: 1, sharedConnection: 0 } });
    expect(await ids()).toEqual(['s1', 's2']);
    expect(await ids('invoices')).toEqual(['i1']);
    await streamClosed(0);
    expect(double.streams[0]?.closedBy).toBe('client');
    expect(controller.state).toBe('disconnected');
    expect(controller.holds).toEqual([]);

    const mark = double.events.length;
    double.deleteRow(ORG, 'schedules', 's1');
    double.putRow(ORG, 'schedules', schedule('s3', 'C'));
    double.putRow('org-b', 'schedules', schedule('b2', 'Other', 'org-b'));
    await double.replicated();
    const second = await runPhase();
    expect(second).toMatchObject({ status: 'done', counts: { caughtUp: 1 } });
    expect(await ids()).toEqual(['s2', 's3']);
    await streamClosed(mark);
    expect(double.stats()).toMatchObject({ streamsOpened: 2, streamsOpen: 0 });
  });

  it('resumes from the stored position on the next run: the double sees `after`', async () => {
    const [, last] = double.putRows(ORG, 'schedules', [schedule('s1', 'A'), schedule('s2', 'B')]);
    await double.replicated();
    await runPhase();
    double.putRow(ORG, 'schedules', schedule('s3', 'C'));
    await double.replicated();
    await runPhase();
    expect(double.streams.map((s) => s.requestBuckets)).toEqual([
      [],
      [{ name: double.bucketName(ORG), after: last }],
    ]);
    expect(double.streams[1]?.opsSent).toBe(1);
    expect(await ids()).toEqual(['s1', 's2', 's3']);
  });

  it('after a rejected token (401) fetches credentials once more, then catches up', async () => {
    double.putRow(ORG, 'schedules', schedule('s1', 'A'));
    await double.replicated();
    double.setBehaviour({ rejectNextTokens: 1 });
    const r = await runPhase();
    expect(r).toMatchObject({ status: 'done', counts: { caughtUp: 1 } });
    expect(double.stats()).toMatchObject({ unauthorized: 1, streamsOpened: 1 });
    expect(connector.credentialsFetched).toBe(2);
    expect(await ids()).toEqual(['s1']);
  });
});

describe('download phase: faults', () => {
  it('a stream that stops answering mid-download: ends within its window as `deadline`, closes the stream', async () => {
    double.putRows(ORG, 'schedules', [schedule('s1', 'A'), schedule('s2', 'B')]);
    await double.replicated();
    double.setBehaviour({ stallAfterLines: 1 }); // the checkpoint (the service's first line), then silence
    const windowMs = 1_000;
    const r = await runPhase({ settings: { downloadMaxWaitMs: windowMs } });
    expect(r).toMatchObject({ status: 'stopped', stopCause: 'deadline', counts: { caughtUp: 0, windowMs } });
    expect(r.reason).toMatch(/still downloading/);
    expect(r.counts?.waitedMs).toBeGreaterThanOrEqual(windowMs);
    // The window plus the disconnect (bounded by disconnectTimeoutMs), not the stalled stream's forever.
    expect(r.durationMs).toBeLessThan(windowMs + WALL_CLOCK_SLACK_MS);
    const closed = await streamClosed(0);
    expect(closed).toMatchObject({ stream: { stalled: true, closedBy: 'client' } });
    expect(await ids()).toEqual([]);
  });

  it('a service answering 503: `server_unavailable` when online, `offline` when the OS says so', async () => {
    double.setBehaviour({ failStreamsWith: 503 });
    const online = await runPhase({ settings: { downloadMaxWaitMs: 500 } });
    expect(online).toMatchObject({
      status: 'stopped',
      stopCause: 'server_unavailable',
      counts: { caughtUp: 0 },
    });
    expect(online.reason).toMatch(/sync stream failed/);
    // The SDK retries every 100 ms here, inside the window: the phase waited for it.
    expect(online.counts).toMatchObject({ endedEarly: 0 });

    const ports = testPorts(t.dir);
    ports.connectivity.set({ online: false });
    const ctx = runContext(t, ports, { settings: { downloadMaxWaitMs: 500 } });
    const offline = await phase().run(ctx);
    ctx.dispose();
    expect(offline).toMatchObject({ status: 'stopped', stopCause: 'offline' });
    expect(controller.state).toBe('disconnected');
  });

  it('a failed stream whose next retry falls after the window ends the wait early (not at the window’s end)', async () => {
    // The SDK retries a failed stream after retryDelayMs: 30 s here, past a 5 s window.
    await controller.releaseAll();
    controller = testController(t, connector, { retryDelayMs: 30_000, crudUploadThrottleMs: 10 });
    double.setBehaviour({ failStreamsWith: 503 });
    const windowMs = 5_000;
    const r = await runPhase({ settings: { downloadMaxWaitMs: windowMs } });
    expect(r).toMatchObject({
      status: 'stopped',
      stopCause: 'server_unavailable',
      counts: { caughtUp: 0, endedEarly: 1, windowMs },
    });
    expect(r.reason).toMatch(/sync stream failed: .*next retry in 30000 ms/);
    // Ended on the failure, long before the window's end (the code before waited all 5 s).
    expect(r.counts?.waitedMs).toBeLessThan(windowMs / 2);
    expect(double.events.filter((e) => e.type === 'stream_refused')).toHaveLength(1);
    expect(controller.state).toBe('disconnected');
  });

  it('the run’s abort ends the wait at once as `aborted` and releases the hold', async () => {
    double.putRow(ORG, 'schedules', schedule('s1', 'A'));
    double.setBehaviour({ stall: true });
    const abort = new AbortController();
    const pending = runPhase({ signal: abort.signal });
    await double.waitFor((e) => e.type === 'stream_open', { since: 0 });
    abort.abort(new Error('app_active'));
    const r = await pending;
    expect(r).toMatchObject({ status: 'stopped', stopCause: 'aborted', reason: 'app_active' });
    expect(controller.holds).toEqual([]);
    await streamClosed(0);
  });
});

describe('foreground live sync through the same controller', () => {
  it('the foreground and a run share one connection; releasing the run keeps it; the last release disconnects', async () => {
    double.putRow(ORG, 'schedules', schedule('s1', 'A'));
    await double.replicated();
    await controller.hold('foreground');
    await t.db.waitForStatus(
      (s) => s.connected && !s.dataFlowStatus.downloading && s.lastSyncedAt !== undefined,
    );
    expect(await ids()).toEqual(['s1']);

    // Nothing new since the run started: a live foreground stream counts as caught up at once.
    const r = await runPhase();
    expect(r).toMatchObject({ status: 'done', counts: { caughtUp: 1, sharedConnection: 1 } });
    expect(controller.holds).toEqual(['foreground']);
    expect(controller.state).toBe('connected');

    // Live: a change on the double reaches the app while only the foreground holds on.
    const since = Date.now();
    double.putRow(ORG, 'schedules', schedule('s2', 'B'));
    await t.db.waitForStatus(
      (s) => !s.dataFlowStatus.downloading && (s.lastSyncedAt?.getTime() ?? 0) > since,
      AbortSignal.timeout(5_000),
    );
    expect(await ids()).toEqual(['s1', 's2']);
    expect(double.stats()).toMatchObject({ streamsOpened: 1, streamsOpen: 1 });

    await controller.release('foreground');
    await streamClosed(0);
    expect(controller.state).toBe('disconnected');
  });

  it('a run holding the connection when the foreground comes and goes keeps it; its release disconnects', async () => {
    double.putRow(ORG, 'schedules', schedule('s1', 'A'));
    double.setBehaviour({ stall: true });
    const abort = new AbortController();
    const pending = runPhase({ signal: abort.signal, settings: { downloadMaxWaitMs: 1_500 } });
    await double.waitFor((e) => e.type === 'stream_open', { since: 0 });
    await controller.hold('foreground');
    await controller.release('foreground');
    expect(controller.state).toBe('connected');
    expect(double.stats().streamsOpen).toBe(1);
    const r = await pending;
    expect(r).toMatchObject({ status: 'stopped', stopCause: 'deadline' });
    await streamClosed(0);
    expect(controller.state).toBe('disconnected');
    expect(double.stats().streamsOpened).toBe(1);
  });
});

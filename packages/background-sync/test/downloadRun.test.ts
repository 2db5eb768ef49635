// Downloads through whole runs: the engine (createSyncEngine, its BackendConnector and
// SyncController), the real server for tokens and JWKS, and the PowerSync double verifying them.
import { randomUUID } from 'node:crypto';
import { createPowerSyncDouble, type PowerSyncDouble } from '@vhd/powersync-double';
import { freePort, startTestServer, type TestServer } from '@vhd/server/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CrudUploaderHooks } from '../src/crudUploader';
import { createDownloadPhase, type DownloadPhaseOptions } from '../src/downloadPhase';
import type { RunPhase } from '../src/runPhase';
import type { RunReport } from '../src/runReport';
import type { SyncSettings } from '../src/settings';
import type { SyncEngine } from '../src/syncEngine';
import { type FaultProxy, startFaultProxy } from '../testing/faultProxy';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';
import { createTestEngine, TestAuth } from '../testing/testEngine';
import { WALL_CLOCK_SLACK_MS } from './support/wallClock';

let server: TestServer;
let proxy: FaultProxy;
let double: PowerSyncDouble;
let t: TestDatabase;
let engine: SyncEngine;
let org: string;
let orgCounter = 0;

beforeAll(async () => {
  // The double needs the server's JWKS URL and the server the double's URL: fix the port first.
  const port = await freePort();
  double = await createPowerSyncDouble({
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    audience: 'vhd-powersync',
  });
  server = await startTestServer({ config: { port, powersyncUrl: double.url } });
  proxy = await startFaultProxy(server.url);
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
  await double?.close();
});
beforeEach(async () => {
  // A fresh organization per test keeps the shared double's buckets apart.
  org = `org_dl_${++orgCounter}`;
  t = await openTestDatabase();
});
afterEach(async () => {
  await engine?.close();
  await t.close();
});

function start(
  options: {
    settings?: Partial<SyncSettings>;
    phase?: Partial<DownloadPhaseOptions>;
    wrap?: (download: RunPhase) => RunPhase;
    hooks?: CrudUploaderHooks;
  } = {},
) {
  const userId = `user_${org}`;
  const auth = new TestAuth(() => server.mintToken({ userId, orgId: org }));
  ({ engine } = createTestEngine({
    db: t.syncDb,
    apiUrl: proxy.url,
    getToken: auth.getToken,
    ...(options.settings ? { settings: options.settings } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    phases: (parts) => {
      const download = createDownloadPhase({ ...parts, ...options.phase });
      return { download: options.wrap ? options.wrap(download) : download };
    },
  }));
  return engine;
}

const run = (budgetMs = 20_000, signal?: AbortSignal): Promise<RunReport> =>
  engine.runBackgroundSync({ budgetMs, trigger: 'background', ...(signal ? { signal } : {}) });
const downloadOf = (report: RunReport) => report.phases.find((p) => p.name === 'download');
const schedule = (id: string, customer: string, orgId = org) => ({
  id,
  org_id: orgId,
  customer,
  status: 'planned',
});
const ids = async () =>
  (await t.db.getAll<{ id: string }>('SELECT id FROM schedules ORDER BY id')).map((r) => r.id);
const streamClosed = (since: number) =>
  double.waitFor((e) => e.type === 'stream_close', { since, timeoutMs: 5_000 });

describe('a background run downloads', () => {
  it('the organization’s rows, never another organization’s; a delete on the double removes the local row', async () => {
    start();
    const mark = double.events.length;
    double.putRows(org, 'schedules', [schedule('s1', 'A'), schedule('s2', 'B')]);
    double.putRow('org_someone_else', 'schedules', schedule('x1', 'X', 'org_someone_else'));
    await double.replicated();
    const first = await run();
    expect(first.outcome).toBe('completed');
    expect(downloadOf(first)).toMatchObject({ status: 'done', counts: { caughtUp: 1 } });
    expect(first.counts['download.caughtUp']).toBe(1);
    expect(await ids()).toEqual(['s1', 's2']);
    // The stream was this user's, in this organization, with a token the server signed.
    const stream = double.streams.at(-1);
    expect(stream).toMatchObject({ orgId: org, sub: `user_${org}`, buckets: [double.bucketName(org)] });
    await streamClosed(mark);
    expect(engine.controller.state).toBe('disconnected');

    const mark2 = double.events.length;
    double.deleteRow(org, 'schedules', 's1');
    double.putRow('org_someone_else', 'schedules', schedule('x2', 'X', 'org_someone_else'));
    await double.replicated();
    const second = await run();
    expect(second.outcome).toBe('completed');
    expect(await ids()).toEqual(['s2']);
    await streamClosed(mark2);
  });

  it('after uploading a local change, catches up through the write checkpoint the client asks for', async () => {
    const id = randomUUID();
    const local = {
      id,
      org_id: org,
      customer: 'Local',
      status: 'scheduled',
      scheduled_at: '2025-03-01T08:00:00.000Z',
    };
    // The double has no replication from Postgres: mirror the row once the server has applied it.
    start({ hooks: { afterServerApplied: () => void double.putRow(org, 'schedules', local) } });
    double.putRow(org, 'schedules', schedule('s1', 'A'));
    await double.replicated();
    await t.db.execute(
      'INSERT INTO schedules (id, org_id, customer, status, scheduled_at) VALUES (?, ?, ?, ?, ?)',
      [id, org, local.customer, local.status, local.scheduled_at],
    );
    const mark = double.events.length;
    const report = await run();
    expect(report.outcome).toBe('completed');
    expect(report.counts['crud.applied']).toBe(1);
    expect(downloadOf(report)).toMatchObject({ status: 'done', counts: { caughtUp: 1 } });
    expect(double.events.slice(mark)).toContainEqual(
      expect.objectContaining({ type: 'write_checkpoint', sub: `user_${org}` }),
    );
    expect((await ids()).sort()).toEqual([id, 's1'].sort());
    expect(await t.db.get('SELECT count(*) AS n FROM ps_crud')).toEqual({ n: 0 });
  });

  it('resumes from the stored position on the next run (the double sees `after`), not from scratch', async () => {
    start();
    const [, last] = double.putRows(org, 'schedules', [schedule('s1', 'A'), schedule('s2', 'B')]);
    await double.replicated();
    await run();
    double.putRow(org, 'schedules', schedule('s3', 'C'));
    await double.replicated();
    await run();
    const mine = double.streams.filter((s) => s.orgId === org);
    expect(mine.map((s) => s.requestBuckets)).toEqual([[], [{ name: double.bucketName(org), after: last }]]);
    expect(mine[1]?.opsSent).toBe(1);
    expect(await ids()).toEqual(['s1', 's2', 's3']);
  });

  it('after a token the double rejects (401): one credentials refresh, then success', async () => {
    // No endpoint probe here, so every token request is the SDK's fetchCredentials.
    start({ phase: { isEndpointConfigured: () => true } });
    double.putRow(org, 'schedules', schedule('s1', 'A'));
    await double.replicated();
    double.setBehaviour({ rejectNextTokens: 1 });
    const unauthorized = double.stats().unauthorized;
    const tokenRequests = proxy.count('/api/powersync/token');
    const report = await run();
    expect(report.outcome).toBe('completed');
    expect(double.stats().unauthorized).toBe(unauthorized + 1);
    expect(proxy.count('/api/powersync/token') - tokenRequests).toBe(2);
    expect(await ids()).toEqual(['s1']);
  });
});

describe('a background run skips or stops its download', () => {
  it('with pending CRUD: the download is skipped and the report says why', async () => {
    // A change made while the run is between its last upload step and the download.
    start({
      wrap: (download) => ({
        name: 'download',
        async run(ctx) {
          await ctx.db.execute('INSERT INTO schedules (id, customer) VALUES (?, ?)', ['late-1', 'L']);
          return download.run(ctx);
        },
      }),
    });
    double.putRow(org, 'schedules', schedule('s1', 'A'));
    await double.replicated();
    const opened = double.stats().streamsOpened;
    const report = await run();
    expect(downloadOf(report)).toMatchObject({ status: 'skipped', counts: { pendingChanges: 1 } });
    expect(downloadOf(report)?.reason).toMatch(/queued in ps_crud/);
    expect(report.outcome).toBe('completed');
    expect(double.stats().streamsOpened).toBe(opened);
    expect(await ids()).toEqual(['late-1']);
  });

  it('when the double stops answering mid-stream: ends within its window, outcome `deadline`, stream closed', async () => {
    const windowMs = 1_000;
    start({ settings: { downloadMaxWaitMs: windowMs } });
    double.putRows(org, 'schedules', [schedule('s1', 'A'), schedule('s2', 'B')]);
    await double.replicated();
    double.setBehaviour({ stallAfterLines: 1 });
    const mark = double.events.length;
    try {
      const report = await run();
      const download = downloadOf(report);
      expect(download).toMatchObject({ status: 'stopped', stopCause: 'deadline', counts: { caughtUp: 0 } });
      expect(download?.durationMs).toBeLessThan(windowMs + WALL_CLOCK_SLACK_MS);
      expect(report.outcome).toBe('deadline');
      expect(report.reason).toMatch(/still downloading/);
      const closed = await streamClosed(mark);
      expect(closed).toMatchObject({ stream: { orgId: org, stalled: true, closedBy: 'client' } });
      expect(engine.controller.state).toBe('disconnected');
      expect(await ids()).toEqual([]);
    } finally {
      double.setBehaviour({ stallAfterLines: undefined });
    }
  });

  it('is skipped when the server has no PowerSync endpoint', async () => {
    start();
    const bare = await startTestServer();
    try {
      const auth = new TestAuth(() => bare.mintToken({ orgId: org }));
      const { engine: other } = createTestEngine({
        db: t.syncDb,
        apiUrl: bare.url,
        getToken: auth.getToken,
        phases: (parts) => ({ download: createDownloadPhase(parts) }),
      });
      const report = await other.runBackgroundSync({ budgetMs: 20_000, trigger: 'manual' });
      expect(downloadOf(report)).toMatchObject({
        status: 'skipped',
        reason: 'no PowerSync endpoint configured',
      });
      expect(report.outcome).toBe('completed');
      await other.close();
    } finally {
      await bare.close();
    }
  });
});

describe('foreground live sync through the engine', () => {
  it('setAppActive holds a live stream; going to background disconnects', async () => {
    start();
    double.putRow(org, 'schedules', schedule('s1', 'A'));
    await double.replicated();
    const mark = double.events.length;
    await engine.setAppActive(true);
    await t.db.waitForStatus(
      (s) => s.connected && !s.dataFlowStatus.downloading && s.lastSyncedAt !== undefined,
    );
    const since = Date.now();
    double.putRow(org, 'schedules', schedule('s2', 'B'));
    await t.db.waitForStatus(
      (s) => !s.dataFlowStatus.downloading && (s.lastSyncedAt?.getTime() ?? 0) > since,
      AbortSignal.timeout(5_000),
    );
    expect(await ids()).toEqual(['s1', 's2']);
    await engine.setAppActive(false);
    await streamClosed(mark);
    expect(engine.controller.state).toBe('disconnected');
  });

  it('a manual run sharing the live stream is caught up only once its own upload came back (replication lag)', async () => {
    // Replication, as the service does it: after the server applies an upload, the organization's
    // rows reach the double, and its streams after the double's lag (longer than this run takes).
    const replicate = async () => {
      const { rows } = await server.db.query<{ id: string } & Record<string, unknown>>(
        'SELECT id::text AS id, org_id, schedule_id, number, amount_cents, status FROM invoices WHERE org_id = $1',
        [org],
      );
      double.putRows(org, 'invoices', rows);
    };
    start({ hooks: { afterServerApplied: replicate } });
    double.setBehaviour({ replicationLagMs: 600 });
    try {
      await engine.setAppActive(true);
      await t.db.waitForStatus(
        (s) => s.connected && !s.dataFlowStatus.downloading && s.lastSyncedAt !== undefined,
        AbortSignal.timeout(5_000),
      );
      const scheduleId = randomUUID();
      const invoiceId = randomUUID();
      await t.db.writeTransaction(async (tx) => {
        await tx.execute('INSERT INTO schedules (id, customer, status) VALUES (?, ?, ?)', [
          scheduleId,
          'A',
          'scheduled',
        ]);
        await tx.execute('INSERT INTO invoices (id, schedule_id, amount_cents, status) VALUES (?, ?, ?, ?)', [
          invoiceId,
          scheduleId,
          1200,
          'draft',
        ]);
      });
      const report = await engine.runBackgroundSync({ budgetMs: 20_000, trigger: 'manual' });
      expect(report.outcome).toBe('completed');
      expect(downloadOf(report)).toMatchObject({
        status: 'done',
        counts: { caughtUp: 1, sharedConnection: 1 },
      });
      // The server numbered the invoice; "caught up" means the phone shows that number now.
      const { rows } = await server.db.query<{ number: number }>(
        'SELECT number FROM invoices WHERE id = $1',
        [invoiceId],
      );
      expect(rows[0]?.number).toEqual(expect.any(Number));
      expect(await t.db.get('SELECT number FROM invoices WHERE id = ?', [invoiceId])).toEqual({
        number: rows[0]?.number,
      });
    } finally {
      double.setBehaviour({ replicationLagMs: 0 });
      await engine.setAppActive(false);
    }
  });

  it('the app turning active aborts a waiting run; the foreground keeps the one connection', async () => {
    start();
    double.putRow(org, 'schedules', schedule('s1', 'A'));
    double.setBehaviour({ stall: true });
    const mark = double.events.length;
    try {
      const pending = run();
      await double.waitFor((e) => e.type === 'stream_open' && e.stream.orgId === org, { since: mark });
      await engine.setAppActive(true);
      const report = await pending;
      expect(report.outcome).toBe('aborted');
      expect(downloadOf(report)).toMatchObject({ status: 'stopped', stopCause: 'aborted' });
      expect(engine.controller.holds).toEqual(['foreground']);
      expect(engine.controller.state).toBe('connected');
      expect(double.streams.filter((s) => s.orgId === org && s.closedAt === undefined)).toHaveLength(1);
    } finally {
      double.setBehaviour({ stall: false });
    }
    await engine.setAppActive(false);
    await streamClosed(mark);
  });
});

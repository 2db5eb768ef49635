// The controller owns the connection: holds, connect on first, disconnect on last, and a
// disconnect that never hangs on an in-flight upload. The connect target here is a fault proxy
// (the stream itself is the PowerSync double's business); uploads hang there on purpose.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../testing/faultProxy';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';
import { createTestEngine } from '../testing/testEngine';
import { WALL_CLOCK_SLACK_MS } from './support/wallClock';

describe('SyncController', () => {
  let t: TestDatabase;
  let proxy: FaultProxy;

  beforeEach(async () => {
    t = await openTestDatabase();
    // No upstream needed: every route used here is answered by a rule.
    proxy = await startFaultProxy('http://127.0.0.1:9');
    proxy.setRules([
      {
        path: '/api/powersync/token',
        fault: {
          kind: 'status',
          status: 200,
          body: {
            endpoint: `${proxy.url}/ps/`,
            token: 'ps-token',
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          },
        },
      },
      { path: '/ps/sync/stream', fault: { kind: 'status', status: 503 } },
      { path: '/api/powersync/upload', fault: { kind: 'hang' } },
    ]);
  });

  afterEach(async () => {
    await t.close();
    await proxy.close();
  });

  it('connects on the first hold, stays connected while any hold remains, disconnects on the last', async () => {
    const { engine } = createTestEngine({ db: t.syncDb, apiUrl: proxy.url, getToken: async () => 'clerk' });
    const { controller } = engine;
    const states: string[] = [];
    controller.onChange((s) => states.push(s));

    await controller.hold('foreground');
    expect(controller.state).toBe('connected');
    await controller.hold('run:1');
    await controller.release('foreground');
    expect(controller.state).toBe('connected');
    expect(controller.holds).toEqual(['run:1']);
    await controller.release('run:1');
    expect(controller.state).toBe('disconnected');
    expect(states).toEqual(['connecting', 'connected', 'disconnecting', 'disconnected']);
    // The SDK asked our server for credentials and got the endpoint without its trailing slash.
    expect(proxy.count('/api/powersync/token')).toBeGreaterThan(0);
    expect(proxy.requests.some((r) => r.path === '/ps/sync/stream')).toBe(true);

    await controller.hold('foreground');
    expect(controller.state).toBe('connected');
    await engine.close();
    expect(controller.state).toBe('disconnected');
  });

  it('interleaved holds and releases end in the state the holds ask for', async () => {
    const { engine } = createTestEngine({ db: t.syncDb, apiUrl: proxy.url, getToken: async () => 'clerk' });
    const { controller } = engine;
    await Promise.all([
      controller.hold('a'),
      controller.release('a'),
      controller.hold('b'),
      controller.release('b'),
      controller.hold('c'),
    ]);
    expect(controller.holds).toEqual(['c']);
    expect(controller.state).toBe('connected');
    await Promise.all([controller.release('c'), controller.hold('d'), controller.release('d')]);
    expect(controller.state).toBe('disconnected');
  });

  it('releasing the last hold returns promptly while the SDK is inside uploadData', async () => {
    // Requests would wait 20 s and a stuck disconnect 20 s: returning well before either shows
    // the connector's upload was aborted.
    const { engine } = createTestEngine({
      db: t.syncDb,
      apiUrl: proxy.url,
      getToken: async () => 'clerk',
      settings: { requestTimeoutMs: 20_000, disconnectTimeoutMs: 20_000 },
    });
    await t.db.execute("INSERT INTO schedules (id, customer) VALUES (uuid(), 'Diner')");
    await engine.controller.hold('foreground');
    await waitUntil(() => proxy.count('/api/powersync/upload') > 0);
    expect(engine.uploadMutex.holder).toBe('connector');

    const started = Date.now();
    await engine.controller.release('foreground');
    const took = Date.now() - started;
    expect(engine.controller.state).toBe('disconnected');
    expect(took).toBeLessThan(WALL_CLOCK_SLACK_MS);
    expect(engine.uploadMutex.isLocked).toBe(false);
    // Nothing was lost: the change is still queued.
    expect((await t.db.get<{ n: number }>('SELECT count(*) AS n FROM ps_crud')).n).toBe(1);
  });

  it('releasing the last hold returns promptly while uploadData waits for the upload mutex', async () => {
    const { engine } = createTestEngine({
      db: t.syncDb,
      apiUrl: proxy.url,
      getToken: async () => 'clerk',
      settings: { disconnectTimeoutMs: 20_000 },
    });
    await t.db.execute("INSERT INTO schedules (id, customer) VALUES (uuid(), 'Diner')");
    // A background run is uploading: the SDK's uploadData has to wait.
    const releaseRun = engine.uploadMutex.tryAcquire('run:long');
    await engine.controller.hold('foreground');
    await waitUntil(() => t.db.currentStatus.dataFlowStatus.uploading);
    const started = Date.now();
    await engine.controller.release('foreground');
    expect(Date.now() - started).toBeLessThan(WALL_CLOCK_SLACK_MS);
    expect(engine.controller.state).toBe('disconnected');
    expect(proxy.count('/api/powersync/upload')).toBe(0);
    // The withdrawn wait never takes the mutex: the run's release leaves it free.
    releaseRun?.();
    expect(engine.uploadMutex.isLocked).toBe(false);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

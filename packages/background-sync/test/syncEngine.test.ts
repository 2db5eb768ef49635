// The composition root: a platform brings its database and ports, and createSyncEngine builds the
// rest — the photo queue with its phase and the download phase included (the app, the simulator and
// the bench wire none of it). Against the real server (no PowerSync endpoint), through a proxy.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { RunReport } from '../src/runReport';
import { createSyncEngine, type SyncEngineOptions } from '../src/syncEngine';
import { newTestUser, type ServerFixture, startServerFixture } from '../testing/serverFixture';
import { openTestDatabase } from '../testing/testDatabase';
import { FAST_CONNECT, TEST_SETTINGS } from '../testing/testEngine';
import { capturePhoto, photoTestPorts } from './photoFixtures';

const TOKEN = '/api/powersync/token';

let fx: ServerFixture;

beforeAll(async () => {
  fx = await startServerFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** One run of an engine built from a fresh database and Node ports alone, with one photo queued. */
async function runWith(options: Partial<SyncEngineOptions> = {}): Promise<RunReport> {
  const t = await openTestDatabase();
  const ports = photoTestPorts({ apiUrl: fx.proxy.url, getToken: newTestUser(fx.server).token });
  const engine = createSyncEngine({
    db: t.syncDb,
    ports,
    settings: TEST_SETTINGS,
    connectOptions: FAST_CONNECT,
    ...options,
  });
  try {
    const shot = capturePhoto(ports.captureDir, 4_000);
    await engine.queue.enqueue({ photoId: shot.photoId, sourcePath: shot.path, mediaType: 'image/jpeg' });
    return await engine.runBackgroundSync({ budgetMs: 30_000, trigger: 'manual' });
  } finally {
    await engine.close();
    await t.close();
    rmSync(ports.captureDir, { recursive: true, force: true });
  }
}

beforeEach(() => fx.proxy.reset());

const phase = (report: RunReport, name: string) => report.phases.find((p) => p.name === name);

it('runs the photo queue it built and the download phase, which asks the server for an endpoint', async () => {
  const report = await runWith();
  expect(report.outcome).toBe('completed');
  expect(report.phases.map((p) => p.name)).toEqual([
    'preflight',
    'crud',
    'photos',
    'crud_after_photos',
    'download',
  ]);
  expect(phase(report, 'photos')).toMatchObject({ status: 'done', counts: { uploaded: 1 } });
  expect(phase(report, 'download')).toMatchObject({
    status: 'skipped',
    reason: 'no PowerSync endpoint configured',
  });
  expect(fx.proxy.count(TOKEN)).toBeGreaterThan(0);
});

it('takes the platform word on the endpoint instead of asking, and leaves the download out on request', async () => {
  const told = await runWith({ download: { isEndpointConfigured: () => false } });
  expect(phase(told, 'download')).toMatchObject({
    status: 'skipped',
    reason: 'no PowerSync endpoint configured',
  });
  expect(fx.proxy.count(TOKEN)).toBe(0);

  const without = await runWith({ download: false });
  expect(without.outcome).toBe('completed');
  expect(phase(without, 'photos')).toMatchObject({ status: 'done', counts: { uploaded: 1 } });
  // The run reports a step it was given no phase for as skipped, without asking anyone.
  expect(phase(without, 'download')).toMatchObject({ status: 'skipped', reason: 'not configured' });
  expect(fx.proxy.count(TOKEN)).toBe(0);
});

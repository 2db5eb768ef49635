// A simulated phone with the app wired as the Expo app wires it: the AppState listener, the OS
// scheduler launching the background task (cold-starting a dead app), iOS terminating a task that
// outlived its time, and the foreground taking over from a background run.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Activity } from '../src/activity';
import { SimBackend } from '../src/backend/simBackend';
import { driveClock } from '../src/demo/clockDriver';
import { IntentLog } from '../src/intentLog';
import type { PlatformPolicy } from '../src/osScheduler';
import { androidPolicy } from '../src/policies/androidPolicy';
import { iosPolicy } from '../src/policies/iosPolicy';
import { SeededRandom } from '../src/seededRandom';
import { SimClock } from '../src/simClock';
import { type Platform, SimulatedDevice } from '../src/simulatedDevice';

let backend: SimBackend;
let dir: string;
const devices: SimulatedDevice[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vhd-device-test-'));
  backend = await SimBackend.start({ database: 'memory', dataDir: join(dir, 'server') });
});

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.close()));
});

afterAll(async () => {
  await backend?.close();
  await rm(dir, { recursive: true, force: true });
});

async function phone(platform: Platform, policy?: PlatformPolicy, shortSpellMs?: number) {
  const clock = new SimClock();
  const activity = new Activity();
  const name = `${platform}-${randomUUID().slice(0, 8)}`;
  const device = await SimulatedDevice.create({
    name,
    userId: `user_${name}`,
    orgId: `org_${name}`,
    platform,
    backend,
    dir: join(dir, name),
    clock,
    random: SeededRandom.fromSeed(7),
    activity,
    intents: new IntentLog(),
    link: 'none',
    ...(policy ? { policy } : {}),
    ...(shortSpellMs ? { shortSpellMs } : {}),
    settings: { safetyMarginMs: 200, requestTimeoutMs: 5_000, downloadMinRemainingMs: 200 },
    connectOptions: { retryDelayMs: 100, crudUploadThrottleMs: 10 },
  });
  devices.push(device);
  clock.realtime(1);
  return { device, clock, activity };
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const schedule = (device: SimulatedDevice) => ({
  op: 'insert' as const,
  table: 'schedules',
  id: randomUUID(),
  values: { org_id: device.orgId, customer: 'Test Diner', status: 'scheduled' },
});

describe('SimulatedDevice', () => {
  it('registers the task when the app leaves the screen and unregisters it with a resume catch-up when it returns', async () => {
    const { device } = await phone('ios');
    await device.openApp();
    expect(device.scheduler.isRegistered()).toBe(false);
    await until(async () => (await device.status()).connected);
    await device.runsSettled();
    await device.leaveApp();
    expect(device.scheduler.isRegistered()).toBe(true);
    // The foreground hold is released: the app disconnects.
    await until(async () => !(await device.status()).connected);
    await device.openApp();
    expect(device.scheduler.isRegistered()).toBe(false);
    await device.runsSettled();
    const resumes = device.runs.filter((r) => r.trigger === 'resume');
    expect(resumes.map((r) => [r.budgetMs, r.outcome])).toEqual([
      [60_000, 'completed'],
      [60_000, 'completed'],
    ]);
  }, 60_000);

  it('a short spell in the background (the Android camera) keeps the connection, the task and skips the catch-up', async () => {
    const { device } = await phone('android', undefined, 3_000);
    await device.openApp();
    await until(async () => (await device.status()).connected);
    await device.runsSettled();
    const runsBefore = device.runs.length;
    for (let photo = 0; photo < 2; photo++) {
      await device.leaveApp();
      expect(device.scheduler.isRegistered()).toBe(true);
      await device.openApp();
    }
    await device.runsSettled();
    expect(device.runs.length).toBe(runsBefore);
    expect(device.scheduler.isRegistered()).toBe(true);
    expect((await device.status()).connected).toBe(true);
    // A long spell: the hold is released, and coming back withdraws the task and catches up.
    await device.leaveApp();
    await until(async () => !(await device.status()).connected);
    await device.openApp();
    expect(device.scheduler.isRegistered()).toBe(false);
    await device.runsSettled();
    expect(device.runs.slice(runsBefore).map((r) => r.trigger)).toEqual(['resume']);
  }, 60_000);

  it('lets the OS cold-start a dead app in the background to run the task with the platform budget', async () => {
    const { device, clock, activity } = await phone('android', androidPolicy());
    await device.openApp();
    await device.write([schedule(device)]);
    await device.leaveApp();
    await device.runsSettled();
    await device.kill();
    const launchesBefore = device.launches;
    clock.discrete();
    const ran = () => device.runs.some((r) => r.trigger === 'background' && r.outcome !== 'running');
    await driveClock(clock, activity, ran, clock.now() + 6 * 3_600_000);
    const run = device.runs.find((r) => r.trigger === 'background');
    expect(run).toMatchObject({ budgetMs: 8 * 60_000, outcome: 'completed' });
    expect(device.launches).toBe(launchesBefore + 1);
    expect((await device.status()).appState).toBe('background');
  }, 60_000);

  it('aborts a background run when the app becomes active; the resume catch-up takes over', async () => {
    const { device } = await phone('android');
    await device.openApp();
    await device.leaveApp();
    await device.runsSettled();
    await device.write([schedule(device)]);
    device.gateway.inject({ route: 'upload', fault: { kind: 'hang' } });
    const before = device.gateway.requests.upload ?? 0;
    const background = device.runNow(60_000, 'background');
    await until(() => (device.gateway.requests.upload ?? 0) > before);
    device.gateway.clearFaults();
    const opened = performance.now();
    await device.openApp();
    const report = await background;
    expect(report.outcome).toBe('aborted');
    // At once, not after the 60 s budget; generous, as a loaded machine delays any process by seconds.
    expect(performance.now() - opened).toBeLessThan(10_000);
    await device.runsSettled();
    expect(device.runs.at(-1)).toMatchObject({ trigger: 'resume', outcome: 'completed' });
    expect((await device.status()).pendingChanges).toBe(0);
  }, 60_000);

  it('on iOS, a launch that outlives its time is terminated, and the next run finds it killed', async () => {
    const policy = iosPolicy({ budgetMs: 4_000, earlyExpiryProbability: 1 });
    const { device, clock, activity } = await phone('ios', policy);
    await device.openApp();
    await device.leaveApp();
    await device.runsSettled();
    device.gateway.inject({ route: 'health', fault: { kind: 'hang' }, times: 10 });
    clock.discrete();
    await driveClock(clock, activity, () => device.kills > 0, clock.now() + 24 * 3_600_000);
    expect(device.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['suspend', 'launch', 'stopped', 'kill']),
    );
    expect(device.runs.find((r) => r.trigger === 'background')?.outcome).toBe('killed');
    device.gateway.clearFaults();
    clock.realtime(1);
    await device.openApp();
    await device.runsSettled();
    expect(device.runs.at(-1)?.report).toMatchObject({
      trigger: 'resume',
      outcome: 'completed',
      killedRunsFound: 1,
    });
  }, 60_000);
});

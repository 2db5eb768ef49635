// The scheduling policy against the real register/unregister functions, with the OS side faked.
import {
  type BackgroundPolicy,
  BUDGET_MS,
  createAppLifecycle,
  type RunReport,
  SHORT_SPELL_MS,
  sleep,
} from '@vhd/background-sync';
import {
  BACKGROUND_SYNC_TASK,
  registerBackgroundSync,
  unregisterBackgroundSync,
} from '../services/background/BackgroundSync';
import { fakeOs, resetFakeOs } from './fakeOs';

jest.mock('expo-background-task', () => require('./fakeOs').backgroundTaskModule());
jest.mock('expo-task-manager', () => require('./fakeOs').taskManagerModule());

const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

function fakeSync() {
  const calls: string[] = [];
  const sync = {
    activeRunId: null as string | null,
    setAppActive: jest.fn(async (active: boolean) => {
      calls.push(active ? 'hold foreground' : 'release foreground');
      // The engine aborts a background run here; it lets go of the run mutex shortly after.
      if (active && sync.activeRunId) setTimeout(() => (sync.activeRunId = null), 50);
    }),
    runBackgroundSync: jest.fn(async (req: { budgetMs: number; trigger: string }) => {
      calls.push(`run ${req.trigger} ${req.budgetMs} (background run active: ${sync.activeRunId !== null})`);
      return { outcome: 'completed', durationMs: 1 } as RunReport;
    }),
  };
  return { sync, calls };
}

/** The policy alone (no grace for short spells) unless `shortSpellMs` is given. */
function lifecycle(policy: BackgroundPolicy, sync: ReturnType<typeof fakeSync>['sync'], shortSpellMs = 0) {
  return createAppLifecycle({
    shortSpellMs,
    sync,
    policy,
    register: registerBackgroundSync,
    unregister: unregisterBackgroundSync,
    logger: quietLogger,
    clock: { now: () => Date.now(), sleep },
  });
}

beforeEach(resetFakeOs);

test('background registers the task (15 min) and releases the foreground hold', async () => {
  const { sync, calls } = fakeSync();
  const app = lifecycle('on-background', sync);
  await app.start('active');
  await app.resumeRun;
  expect(fakeOs.registered.has(BACKGROUND_SYNC_TASK)).toBe(false);

  await app.onAppState('background');
  expect(fakeOs.registered.get(BACKGROUND_SYNC_TASK)).toEqual({ minimumInterval: 15 });
  expect(calls.at(-1)).toBe('release foreground');
});

test('active unregisters, takes the foreground hold, then runs a 60 s resume catch-up', async () => {
  const { sync, calls } = fakeSync();
  const app = lifecycle('on-background', sync);
  await app.start('background');
  expect(fakeOs.registered.has(BACKGROUND_SYNC_TASK)).toBe(true);

  // A background run of this runtime is active when the user opens the app.
  sync.activeRunId = 'bg-run';
  await app.onAppState('active');
  await app.resumeRun;
  expect(fakeOs.registered.has(BACKGROUND_SYNC_TASK)).toBe(false);
  expect(fakeOs.unregisterCalls).toBe(1);
  expect(calls.slice(-2)).toEqual([
    'hold foreground',
    `run resume ${BUDGET_MS.resume} (background run active: false)`,
  ]);
});

test('registering twice does not re-register (the Android delay is not restarted)', async () => {
  const { sync } = fakeSync();
  const app = lifecycle('on-background', sync);
  await app.start('active');
  await app.onAppState('background');
  await app.onAppState('inactive');
  await app.onAppState('background');
  expect(await registerBackgroundSync()).toBe(false);
  expect(fakeOs.registerCalls).toBe(1);
  expect(fakeOs.registered.has(BACKGROUND_SYNC_TASK)).toBe(true);
});

test('a device where background work is restricted never registers', async () => {
  fakeOs.status = 1;
  const { sync } = fakeSync();
  const app = lifecycle('on-background', sync);
  await app.start('active');
  await app.onAppState('background');
  expect(fakeOs.registerCalls).toBe(0);
  expect(sync.setAppActive).toHaveBeenLastCalledWith(false);
});

test("policy 'always' registers once at sign-in and keeps the task when the app becomes active", async () => {
  const { sync } = fakeSync();
  const app = lifecycle('always', sync);
  await app.start('active');
  expect(fakeOs.registered.has(BACKGROUND_SYNC_TASK)).toBe(true);
  await app.onAppState('background');
  await app.onAppState('active');
  await app.resumeRun;
  expect(fakeOs.registerCalls).toBe(1);
  expect(fakeOs.unregisterCalls).toBe(0);
  expect(fakeOs.registered.has(BACKGROUND_SYNC_TASK)).toBe(true);
});

test('unregistering when nothing is registered is a no-op', async () => {
  expect(await unregisterBackgroundSync()).toBe(false);
  expect(fakeOs.unregisterCalls).toBe(0);
});

test('opening the camera (a short background spell on Android) costs no disconnect, no unregister, no catch-up', async () => {
  jest.useFakeTimers();
  try {
    const { sync, calls } = fakeSync();
    const app = lifecycle('on-background', sync, SHORT_SPELL_MS);
    await app.start('active');
    await app.resumeRun;
    calls.length = 0;
    for (let photo = 0; photo < 3; photo++) {
      await app.onAppState('background');
      await jest.advanceTimersByTimeAsync(5_000);
      await app.onAppState('active');
      await app.resumeRun;
    }
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([]);
    expect(fakeOs.unregisterCalls).toBe(0);
    // Registered once, on the first spell, and left scheduled.
    expect(fakeOs.registerCalls).toBe(1);
  } finally {
    jest.useRealTimers();
  }
});

test("policy 'always': leaving while the start registration is still pending ends with the hold released", async () => {
  const { sync, calls } = fakeSync();
  let finish = () => {};
  const app = createAppLifecycle({
    sync,
    policy: 'always',
    register: () =>
      new Promise<boolean>((resolve) => {
        finish = () => resolve(true);
      }),
    unregister: unregisterBackgroundSync,
    logger: quietLogger,
    clock: { now: () => Date.now(), sleep },
    shortSpellMs: 0,
  });
  const started = app.start('active');
  const left = app.onAppState('background');
  await new Promise((r) => setTimeout(r, 0));
  finish();
  await started;
  await left;
  await app.resumeRun;
  expect(calls.filter((c) => !c.startsWith('run'))).toEqual(['hold foreground', 'release foreground']);
});

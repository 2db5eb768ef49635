// The task body: one engine run over the Expo ports with the platform budget, its outcome mapped
// to BackgroundTaskResult, and the OS expiration aborting the run. The engine's composition is
// observed (createSyncEngine records its options); the database is native, so it is faked.
import type { RunOutcome, RunReport } from '@vhd/background-sync';
import { BackgroundTaskResult } from 'expo-background-task';
import { sessionTokenProvider } from '../services/background/ports/auth';
import { expoConnectivity } from '../services/background/ports/connectivity';
import { expoFetchPort } from '../services/background/ports/fetch';
import { expoFiles } from '../services/background/ports/files';
import { expoUploadFile } from '../services/background/ports/uploadFile';
import { fakeOs, resetFakeOs } from './fakeOs';

jest.mock('expo-background-task', () => require('./fakeOs').backgroundTaskModule());
jest.mock('expo-task-manager', () => require('./fakeOs').taskManagerModule());
jest.mock('../services/auth/session', () => ({
  loadSession: jest.fn(),
  signOutSession: jest.fn(),
  authMode: () => 'dev',
}));
jest.mock('../services/database/openDatabase', () => ({
  openUserDatabase: jest.fn((userId: string) => ({ userId, close: jest.fn(async () => undefined) })),
}));
jest.mock('@vhd/background-sync', () => {
  const actual = jest.requireActual('@vhd/background-sync');
  return { ...actual, createSyncEngine: jest.fn() };
});

const engine = jest.requireMock('@vhd/background-sync') as { createSyncEngine: jest.Mock };
const session = jest.requireMock('../services/auth/session') as { loadSession: jest.Mock };
const database = jest.requireMock('../services/database/openDatabase') as { openUserDatabase: jest.Mock };

type RunImpl = (req: { budgetMs: number; trigger: string; signal?: AbortSignal }) => Promise<RunReport>;

function engineRunning(run: RunImpl) {
  const sync = { runBackgroundSync: jest.fn(run), close: jest.fn(async () => undefined) };
  engine.createSyncEngine.mockImplementation(() => sync);
  return sync;
}

const report = (outcome: RunOutcome): RunReport => ({ outcome, durationMs: 5 }) as RunReport;
const signedIn = (userId: string) => ({ userId, getToken: async () => 'token' });

let bg: typeof import('../services/background/BackgroundSync');
let system: typeof import('../services/background/BackgroundSystem');

beforeEach(async () => {
  resetFakeOs();
  bg = require('../services/background/BackgroundSync');
  system = require('../services/background/BackgroundSystem');
  await system.closeBackgroundSystem();
  engine.createSyncEngine.mockReset();
  database.openUserDatabase.mockClear();
  session.loadSession.mockResolvedValue(signedIn('user_1'));
});

test('the task runs the engine once, over the Expo ports, with the platform budget', async () => {
  const sync = engineRunning(async () => report('completed'));
  await expect(bg.runBackgroundSyncTask()).resolves.toBe(BackgroundTaskResult.Success);

  expect(database.openUserDatabase).toHaveBeenCalledWith('user_1');
  expect(engine.createSyncEngine).toHaveBeenCalledTimes(1);
  const { ports, db } = engine.createSyncEngine.mock.calls[0][0];
  expect(db.userId).toBe('user_1');
  expect(ports.fetch).toBe(expoFetchPort);
  expect(ports.uploadFile).toBe(expoUploadFile);
  expect(ports.files).toBe(expoFiles);
  expect(ports.connectivity).toBe(expoConnectivity);
  expect(ports.auth).toBe(sessionTokenProvider);
  expect(ports.apiUrl).toMatch(/^https?:\/\//);

  expect(sync.runBackgroundSync).toHaveBeenCalledTimes(1);
  const request = sync.runBackgroundSync.mock.calls[0]![0];
  // jest-expo runs this suite as iOS; the budget counts from the task's start (session load included).
  expect(request.trigger).toBe('background');
  expect(request.budgetMs).toBeLessThanOrEqual(3 * 60_000);
  expect(request.budgetMs).toBeGreaterThan(3 * 60_000 - 5_000);
  expect(request.signal?.aborted).toBe(false);
  expect(bg.platformBudgetMs('android')).toBe(8 * 60_000);

  // The next run in the same runtime reuses the one database and engine.
  await bg.runBackgroundSyncTask();
  expect(database.openUserDatabase).toHaveBeenCalledTimes(1);
  expect(sync.runBackgroundSync).toHaveBeenCalledTimes(2);
});

test.each<[RunOutcome, keyof typeof BackgroundTaskResult]>([
  ['completed', 'Success'],
  ['deadline', 'Success'],
  ['aborted', 'Success'],
  ['offline', 'Success'],
  ['server_unavailable', 'Success'],
  ['signed_out', 'Success'],
  ['skipped_busy', 'Success'],
  ['failed', 'Failed'],
])('outcome %s → BackgroundTaskResult.%s', async (outcome, result) => {
  engineRunning(async () => report(outcome));
  await expect(bg.runBackgroundSyncTask()).resolves.toBe(BackgroundTaskResult[result]);
});

test('an engine that throws is a failed task, and the expiration listener is removed', async () => {
  engineRunning(async () => {
    throw new Error('boom');
  });
  await expect(bg.runBackgroundSyncTask()).resolves.toBe(BackgroundTaskResult.Failed);
  expect(fakeOs.expirationListeners.size).toBe(0);
});

test('nobody signed in: nothing is opened, the task succeeds', async () => {
  session.loadSession.mockResolvedValue(null);
  await expect(bg.runBackgroundSyncTask()).resolves.toBe(BackgroundTaskResult.Success);
  expect(database.openUserDatabase).not.toHaveBeenCalled();
});

test('a session that cannot load (offline Clerk) skips the run without failing the task', async () => {
  session.loadSession.mockRejectedValue(new Error('network request failed'));
  await expect(bg.runBackgroundSyncTask()).resolves.toBe(BackgroundTaskResult.Success);
  expect(database.openUserDatabase).not.toHaveBeenCalled();
});

test('a database that cannot open is a failed task', async () => {
  database.openUserDatabase.mockImplementationOnce(() => {
    throw new Error('disk I/O error');
  });
  await expect(bg.runBackgroundSyncTask()).resolves.toBe(BackgroundTaskResult.Failed);
});

test('an expiration event aborts the run through its signal', async () => {
  let seen: AbortSignal | undefined;
  engineRunning(
    (req) =>
      new Promise<RunReport>((resolve) => {
        seen = req.signal;
        req.signal?.addEventListener('abort', () => resolve(report('aborted')));
      }),
  );
  const task = bg.runBackgroundSyncTask();
  await new Promise((r) => setTimeout(r, 0));
  expect(fakeOs.expirationListeners.size).toBe(1);
  expect(seen?.aborted).toBe(false);

  fakeOs.expire();
  await expect(task).resolves.toBe(BackgroundTaskResult.Success);
  expect(seen?.aborted).toBe(true);
  expect(fakeOs.expirationListeners.size).toBe(0);
});

test('another user signing in gets their own database file; the previous one is closed', async () => {
  const first = engineRunning(async () => report('completed'));
  await bg.runBackgroundSyncTask();
  const firstDb = database.openUserDatabase.mock.results[0]!.value;

  session.loadSession.mockResolvedValue(signedIn('user_2'));
  engineRunning(async () => report('completed'));
  await bg.runBackgroundSyncTask();
  expect(database.openUserDatabase.mock.calls.map((c) => c[0])).toEqual(['user_1', 'user_2']);
  expect(first.close).toHaveBeenCalled();
  expect(firstDb.close).toHaveBeenCalled();
});

test('one database file per user', () => {
  const { databaseFileName } = jest.requireActual('../services/database/openDatabase');
  expect(databaseFileName('user_2abc')).toBe('vhd-user_2abc.db');
  expect(databaseFileName('../x y')).toBe('vhd-___x_y.db');
  expect(() => databaseFileName('')).toThrow(/empty/);
});

test('concurrent callers (task and UI on a cold background launch) share one system: one database per file', async () => {
  engineRunning(async () => report('completed'));
  const [a, b] = await Promise.all([
    system.systemFor(signedIn('user_1')),
    system.systemFor(signedIn('user_1')),
  ]);
  expect(a).toBe(b);
  expect(database.openUserDatabase).toHaveBeenCalledTimes(1);
  expect(engine.createSyncEngine).toHaveBeenCalledTimes(1);
});

test('a session load that never settles ends the task within its budget, without opening anything', async () => {
  jest.useFakeTimers();
  try {
    session.loadSession.mockReturnValue(new Promise(() => {}));
    let result: unknown = 'pending';
    void bg.runBackgroundSyncTask().then((r) => {
      result = r;
    });
    await jest.advanceTimersByTimeAsync(bg.platformBudgetMs());
    expect(result).toBe(BackgroundTaskResult.Success);
    expect(database.openUserDatabase).not.toHaveBeenCalled();
    expect(fakeOs.expirationListeners.size).toBe(0);
  } finally {
    jest.useRealTimers();
  }
});

// Sign-out: Clerk first, then the task and the database. A sign-out that fails (offline Clerk)
// leaves the user signed in with an open database, not a UI holding a closed one.
import { BACKGROUND_SYNC_TASK, registerBackgroundSync } from '../services/background/BackgroundSync';
import { currentBackgroundSystem, systemFor } from '../services/background/BackgroundSystem';
import { signOut } from '../services/background/signOut';
import { fakeOs, resetFakeOs } from './fakeOs';

jest.mock('expo-background-task', () => require('./fakeOs').backgroundTaskModule());
jest.mock('expo-task-manager', () => require('./fakeOs').taskManagerModule());
jest.mock('../services/auth/session', () => ({
  loadSession: jest.fn(),
  signOutSession: jest.fn(),
  authMode: () => 'clerk',
}));
jest.mock('../services/database/openDatabase', () => ({
  openUserDatabase: jest.fn((userId: string) => ({ userId, close: jest.fn(async () => undefined) })),
}));
jest.mock('@vhd/background-sync', () => {
  const actual = jest.requireActual('@vhd/background-sync');
  return {
    ...actual,
    createSyncEngine: jest.fn(() => ({ close: jest.fn(async () => undefined) })),
  };
});

const session = jest.requireMock('../services/auth/session') as { signOutSession: jest.Mock };

beforeEach(resetFakeOs);

test('a Clerk sign-out that throws leaves the database open and the task scheduled', async () => {
  const system = await systemFor({ userId: 'user_1', getToken: async () => 't' });
  await registerBackgroundSync();
  session.signOutSession.mockRejectedValueOnce(new Error('network request failed'));

  await expect(signOut()).rejects.toThrow('network request failed');
  expect(currentBackgroundSystem()).toBe(system);
  expect((system.db as unknown as { close: jest.Mock }).close).not.toHaveBeenCalled();
  expect(system.sync.close as jest.Mock).not.toHaveBeenCalled();
  expect(fakeOs.registered.has(BACKGROUND_SYNC_TASK)).toBe(true);
});

test('a sign-out that works withdraws the task and closes the database', async () => {
  const system = await systemFor({ userId: 'user_2', getToken: async () => 't' });
  await registerBackgroundSync();
  session.signOutSession.mockResolvedValueOnce(undefined);

  await signOut();
  expect(currentBackgroundSystem()).toBeNull();
  expect((system.db as unknown as { close: jest.Mock }).close).toHaveBeenCalled();
  expect(fakeOs.registered.has(BACKGROUND_SYNC_TASK)).toBe(false);
});

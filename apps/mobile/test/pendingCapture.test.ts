// Android kills the app while the camera is open: the photo comes back through
// getPendingResultAsync() on the next start and is queued for the job and side it was taken for.
import type { BackgroundSystem } from '../services/background/BackgroundSystem';

jest.mock('expo-image-picker', () => ({ getPendingResultAsync: jest.fn(async () => null) }));
// The fitting's platform side (expo-image-manipulator): the test photos fit as they are.
jest.mock('../services/photos/expoPhotoOps', () => ({
  expoPhotoOps: { bytesOf: async () => 3_000_000, render: jest.fn() },
}));
jest.mock('expo-secure-store', () => {
  const items = new Map<string, string>();
  return {
    items,
    AFTER_FIRST_UNLOCK: 0,
    getItemAsync: jest.fn(async (k: string) => items.get(k) ?? null),
    setItemAsync: jest.fn(async (k: string, v: string) => void items.set(k, v)),
    deleteItemAsync: jest.fn(async (k: string) => void items.delete(k)),
  };
});

const picker = jest.requireMock('expo-image-picker') as { getPendingResultAsync: jest.Mock };
const store = jest.requireMock('expo-secure-store') as { items: Map<string, string> };
const PHOTO_ID = '0b1c2d3e-0000-4000-8000-000000000001';
const asset = { uri: 'file:///cache/ImagePicker/a.jpg', mimeType: 'image/jpeg', width: 4000, height: 3000 };

function fakeSystem() {
  const queued: unknown[] = [];
  return {
    queued,
    system: {
      userId: 'user_1',
      db: { get: async () => ({ id: PHOTO_ID }) },
      queue: {
        mediaLimits: async () => null,
        enqueue: jest.fn(async (input: { photoId: string }) => {
          if (queued.some((q) => (q as { photoId: string }).photoId === input.photoId)) {
            throw new Error(`photo ${input.photoId} is already queued`);
          }
          queued.push(input);
        }),
      },
      ports: { logger: { debug() {}, info() {}, warn() {}, error() {} } },
    } as unknown as BackgroundSystem,
  };
}

/** A fresh JS runtime, as after Android recreated the app. */
function freshModule(): typeof import('../services/capture/pendingCapture') {
  let mod!: typeof import('../services/capture/pendingCapture');
  jest.isolateModules(() => {
    mod = require('../services/capture/pendingCapture');
  });
  return mod;
}

beforeEach(() => {
  store.items.clear();
  picker.getPendingResultAsync.mockReset().mockResolvedValue(null);
});

test('the camera delivers to a destroyed activity: on the next start the photo is queued for its job', async () => {
  const before = fakeSystem();
  // The process dies while the camera is open: launch never answers.
  void freshModule().capturePhoto(
    before.system,
    { scheduleId: 'sched-1', kind: 'after' },
    () => new Promise(() => {}),
  );
  await new Promise((r) => setTimeout(r, 0));

  const after = fakeSystem();
  picker.getPendingResultAsync.mockResolvedValue({ canceled: false, assets: [asset] });
  const app = freshModule();
  await expect(app.recoverPendingCapture(after.system)).resolves.toBe(true);
  expect(after.queued).toEqual([
    {
      photoId: PHOTO_ID,
      sourcePath: asset.uri,
      mediaType: 'image/jpeg',
      scheduleId: 'sched-1',
      kind: 'after',
      width: 4000,
      height: 3000,
    },
  ]);
  // Once: the intent is gone, a second look queues nothing.
  expect(store.items.size).toBe(0);
  await expect(freshModule().recoverPendingCapture(after.system)).resolves.toBe(false);
  expect(after.queued).toHaveLength(1);
});

test('a normal capture queues the photo and forgets its intent; a cancelled one queues nothing', async () => {
  const { system, queued } = fakeSystem();
  const app = freshModule();
  await expect(
    app.capturePhoto(
      system,
      { scheduleId: 'sched-2', kind: 'before' },
      async () => ({ canceled: false, assets: [asset] }) as never,
    ),
  ).resolves.toBe(true);
  expect(queued).toHaveLength(1);
  expect(store.items.size).toBe(0);
  await expect(
    app.capturePhoto(
      system,
      { scheduleId: 'sched-2', kind: 'before' },
      async () => ({ canceled: true, assets: null }) as never,
    ),
  ).resolves.toBe(false);
  expect(queued).toHaveLength(1);
});

// The photo queue's local behaviour, no server needed: enqueue, selection, settings, retry,
// cleanup and the stops that happen before any byte leaves the device.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PhotoAttachmentQueue } from '../src/photoQueue';
import { markFailed, markSynced, markUploading, selectDue } from '../src/photoQueueStore';
import type { FetchPort } from '../src/ports';
import { RunBudget } from '../src/runBudget';
import { DEFAULT_SETTINGS } from '../src/settings';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';
import { capturePhoto, photoTestPorts } from './photoFixtures';

const DAY_MS = 24 * 60 * 60_000;

let t: TestDatabase;
let ports: ReturnType<typeof photoTestPorts>;
let fetched: string[];
let queue: PhotoAttachmentQueue;

beforeEach(async () => {
  t = await openTestDatabase();
  fetched = [];
  // Nothing listens on port 1: any request fails as a network error.
  const recordingFetch: FetchPort = (url, init) => {
    fetched.push(url);
    return fetch(url, init);
  };
  ports = photoTestPorts({
    apiUrl: 'http://127.0.0.1:1',
    getToken: async () => 'token',
    fetch: recordingFetch,
  });
  queue = new PhotoAttachmentQueue({ db: t.syncDb, ports });
});

afterEach(async () => {
  await t.close();
  rmSync(ports.captureDir, { recursive: true, force: true });
});

function budget(budgetMs = 60_000, marginMs = 1_000) {
  return new RunBudget({ clock: ports.clock, budgetMs, marginMs });
}

async function enqueueOne(bytes = 2_000) {
  const shot = capturePhoto(ports.captureDir, bytes);
  await queue.enqueue({
    photoId: shot.photoId,
    sourcePath: shot.path,
    mediaType: 'image/jpeg',
    kind: 'before',
  });
  return shot;
}

/** Completes every pending CRUD transaction, as if the server had applied them. */
async function applyPendingCrud() {
  for (let tx = await t.db.getNextCrudTransaction(); tx; tx = await t.db.getNextCrudTransaction()) {
    await tx.complete();
  }
}

describe('enqueue', () => {
  it('moves the file under documents/photos and writes the photo row and the queue item together', async () => {
    const shot = capturePhoto(ports.captureDir, 5_000);
    const item = await queue.enqueue({
      photoId: shot.photoId,
      sourcePath: shot.path,
      mediaType: 'image/jpeg',
      scheduleId: '6f1c2a52-5d43-4c1b-9a57-0a9d3f3e2b10',
      kind: 'after',
      takenAt: '2026-01-02T03:04:05.000Z',
    });
    expect(item).toMatchObject({
      id: shot.photoId,
      local_path: `photos/${shot.photoId}.jpg`,
      media_type: 'image/jpeg',
      size: 5_000,
      state: 'QUEUED_UPLOAD',
      attempts: 0,
    });
    expect(existsSync(shot.path)).toBe(false);
    expect(readFileSync(join(ports.documentsDir, item.local_path!)).equals(shot.data)).toBe(true);
    const crud = await t.db.getAll<{ data: string; tx_id: number }>('SELECT data, tx_id FROM ps_crud');
    expect(crud).toHaveLength(1);
    expect(JSON.parse(crud[0]!.data)).toMatchObject({
      op: 'PUT',
      type: 'photos',
      id: shot.photoId,
      data: { kind: 'after', taken_at: '2026-01-02T03:04:05.000Z', bytes: 5_000 },
    });
  });

  it('refuses bad input with a clear error and leaves the file where it was', async () => {
    const shot = capturePhoto(ports.captureDir, 1_000);
    await expect(
      queue.enqueue({ photoId: 'not-a-uuid', sourcePath: shot.path, mediaType: 'image/jpeg' }),
    ).rejects.toThrow(/photoId must be a uuid/);
    await expect(
      queue.enqueue({ photoId: shot.photoId, sourcePath: shot.path, mediaType: 'text/plain' }),
    ).rejects.toThrow(/unsupported photo media type "text\/plain"/);
    await expect(
      queue.enqueue({ photoId: shot.photoId, sourcePath: `${shot.path}.gone`, mediaType: 'image/jpeg' }),
    ).rejects.toThrow(/photo file not found/);
    expect(readFileSync(shot.path).equals(shot.data)).toBe(true);
    expect(await queue.list()).toEqual([]);
  });

  it('moves the file back when the database write fails', async () => {
    const shot = capturePhoto(ports.captureDir, 1_000);
    await t.db.execute('INSERT INTO photos (id, kind) VALUES (?, ?)', [shot.photoId, 'before']);
    await expect(
      queue.enqueue({ photoId: shot.photoId, sourcePath: shot.path, mediaType: 'image/jpeg' }),
    ).rejects.toThrow();
    expect(readFileSync(shot.path).equals(shot.data)).toBe(true);
    expect(existsSync(join(ports.documentsDir, `photos/${shot.photoId}.jpg`))).toBe(false);
    expect(await queue.get(shot.photoId)).toBeNull();
  });

  it('stores an upper-case uuid in lower case, as the server will sync it back', async () => {
    const shot = capturePhoto(ports.captureDir, 1_000);
    const item = await queue.enqueue({
      photoId: shot.photoId.toUpperCase(),
      sourcePath: shot.path,
      mediaType: 'image/JPEG',
    });
    expect(item).toMatchObject({ id: shot.photoId, local_path: `photos/${shot.photoId}.jpg` });
    expect(await t.db.get('SELECT id FROM photos')).toEqual({ id: shot.photoId });
  });

  it('refuses a photo that is already queued', async () => {
    const first = await enqueueOne();
    writeFileSync(first.path, first.data);
    await expect(
      queue.enqueue({ photoId: first.photoId, sourcePath: first.path, mediaType: 'image/jpeg' }),
    ).rejects.toThrow(/already queued/);
    expect(existsSync(first.path)).toBe(true);
  });
});

describe('due items', () => {
  it('waits for the photo row to reach the server, honours backoff and takes back a dead run’s UPLOADING items', async () => {
    const a = await enqueueOne();
    const b = await enqueueOne();
    const c = await enqueueOne();
    const now = ports.clock.now();
    expect(await selectDue(t.syncDb, now + 1)).toEqual([]); // every photos PUT is still pending
    await applyPendingCrud();
    await t.db.execute('UPDATE photo_attachments SET next_attempt_at = ? WHERE id = ?', [
      now + 60_000,
      b.photoId,
    ]);
    await markUploading(t.syncDb, c.photoId, now);
    const due = await selectDue(t.syncDb, now + 1);
    expect(due.map((i) => i.id)).toEqual([a.photoId, c.photoId]);
    await t.db.execute('UPDATE photos SET kind = ? WHERE id = ?', ['after', a.photoId]);
    expect((await selectDue(t.syncDb, now + 1)).map((i) => i.id)).toEqual([c.photoId]);
  });
});

describe('processQueue before any upload', () => {
  it('skips on a metered connection when photos go on Wi-Fi only, without a request', async () => {
    await enqueueOne();
    await applyPendingCrud();
    await queue.updateSettings({ wifiOnly: true });
    ports.connectivity.set({ metered: true });
    const report = await queue.processQueue({ budget: budget() });
    expect(report.status).toBe('skipped');
    expect(report.reason).toMatch(/Wi-Fi only/);
    expect(fetched).toEqual([]);
    ports.connectivity.set({ metered: false });
    expect((await queue.processQueue({ budget: budget() })).status).toBe('stopped'); // it tries now
    expect(fetched).toHaveLength(1);
  });

  it('fails a photo whose file was deleted at once, with a clear reason, and counts no attempt', async () => {
    const shot = await enqueueOne();
    await applyPendingCrud();
    rmSync(join(ports.documentsDir, `photos/${shot.photoId}.jpg`));
    const report = await queue.processQueue({ budget: budget() });
    expect(report.counts).toMatchObject({ due: 1, failed: 1, left: 0 });
    expect(await queue.get(shot.photoId)).toMatchObject({
      state: 'FAILED',
      attempts: 0,
      last_error: `local file missing: photos/${shot.photoId}.jpg`,
    });
    expect(fetched).toEqual([]);
  });

  it('stops as offline or server_unavailable when signing cannot reach the server; nothing counts as an attempt', async () => {
    const shot = await enqueueOne();
    await applyPendingCrud();
    const unreachable = await queue.processQueue({ budget: budget() });
    expect(unreachable).toMatchObject({
      status: 'stopped',
      stopCause: 'server_unavailable',
      counts: { due: 1, left: 1 },
    });
    ports.connectivity.set({ online: false });
    const offline = await queue.processQueue({ budget: budget() });
    expect(offline).toMatchObject({ status: 'stopped', stopCause: 'offline', counts: { left: 1 } });
    expect(await queue.get(shot.photoId)).toMatchObject({ state: 'QUEUED_UPLOAD', attempts: 0 });
  });

  it('stops as signed_out without a token', async () => {
    await enqueueOne();
    await applyPendingCrud();
    const signedOut = new PhotoAttachmentQueue({
      db: t.syncDb,
      ports: { ...ports, auth: { getToken: async () => null } },
    });
    const report = await signedOut.processQueue({ budget: budget() });
    expect(report).toMatchObject({ status: 'stopped', stopCause: 'signed_out', counts: { left: 1 } });
    expect(fetched).toEqual([]);
  });

  it('starts nothing inside the safety margin', async () => {
    await enqueueOne();
    await enqueueOne();
    await applyPendingCrud();
    const report = await queue.processQueue({ budget: budget(900, 1_000) });
    expect(report).toMatchObject({ status: 'stopped', stopCause: 'deadline', counts: { due: 2, left: 2 } });
    expect(fetched).toEqual([]);
  });
});

describe('retry', () => {
  it('starts a FAILED photo over, makes a waiting one due now, and retries all failed ones', async () => {
    const a = await enqueueOne();
    const b = await enqueueOne();
    const c = await enqueueOne();
    await markFailed(t.syncDb, a.photoId, 5, 'media store HTTP 400');
    await markFailed(t.syncDb, b.photoId, 5, 'media store HTTP 400');
    const later = ports.clock.now() + 3_600_000;
    await t.db.execute('UPDATE photo_attachments SET attempts = 2, next_attempt_at = ? WHERE id = ?', [
      later,
      c.photoId,
    ]);

    expect(await queue.retry(a.photoId)).toBe(true);
    expect(await queue.get(a.photoId)).toMatchObject({
      state: 'QUEUED_UPLOAD',
      attempts: 0,
      last_error: null,
    });
    expect(await queue.retry(c.photoId)).toBe(true);
    const waiting = await queue.get(c.photoId);
    expect(waiting).toMatchObject({ state: 'QUEUED_UPLOAD', attempts: 2 });
    expect(waiting!.next_attempt_at).toBeLessThanOrEqual(ports.clock.now());
    expect(await queue.retry('00000000-0000-4000-8000-000000000000')).toBe(false);

    expect(await queue.retryAllFailed()).toBe(1);
    expect(await queue.stats()).toEqual({ QUEUED_UPLOAD: 3, UPLOADING: 0, SYNCED: 0, FAILED: 0 });
  });
});

describe('cleanup of local originals', () => {
  it('deletes originals synced N days ago, keeps the rows and younger files; keeps all when unset', async () => {
    const old = await enqueueOne();
    const young = await enqueueOne();
    const now = ports.clock.now();
    await markSynced(t.syncDb, old.photoId, now - 8 * DAY_MS, null);
    await markSynced(t.syncDb, young.photoId, now - 1 * DAY_MS, null);
    const oldFile = join(ports.documentsDir, `photos/${old.photoId}.jpg`);

    expect(await queue.cleanupOriginals()).toBe(0);
    expect(existsSync(oldFile)).toBe(true);

    await queue.updateSettings({ deleteOriginalsAfterDays: 7 });
    expect(await queue.getSettings()).toEqual({ wifiOnly: false, deleteOriginalsAfterDays: 7 });
    expect(await queue.cleanupOriginals()).toBe(1);
    expect(existsSync(oldFile)).toBe(false);
    expect(await queue.get(old.photoId)).toMatchObject({ state: 'SYNCED', local_path: null });
    expect(existsSync(join(ports.documentsDir, `photos/${young.photoId}.jpg`))).toBe(true);
    expect(await queue.cleanupOriginals()).toBe(0);

    await expect(queue.updateSettings({ deleteOriginalsAfterDays: -1 })).rejects.toThrow(RangeError);
  });
});

it('uses the documented numbers by default', () => {
  expect(DEFAULT_SETTINGS).toMatchObject({ signBatchSize: 50, uploadConcurrency: 10, maxItemAttempts: 5 });
});

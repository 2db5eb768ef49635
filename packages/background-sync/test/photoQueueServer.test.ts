// The photo queue against the real server and its dev media store (Cloudinary's test double):
// concurrency, byte-identical files, confirmations, pending rows, flaky links, item failures and
// the deadline — each through the engine's run or the queue's own pass.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import {
  type AddressInfo,
  connect,
  createServer as createTcpServer,
  type Server,
  type Socket,
} from 'node:net';
import { startTestServer, type TestServer } from '@vhd/server/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeUploadFile, nodeUploadFile } from '../node/nodeUploadFile';
import { saveSigned } from '../src/photoQueueStore';
import { signPhotos } from '../src/photoSigner';
import type { Clock, FetchPort, UploadFilePort } from '../src/ports';
import { RunBudget } from '../src/runBudget';
import type { RunReport } from '../src/runReport';
import { DEFAULT_SETTINGS, type SyncSettings } from '../src/settings';
import { createSyncEngine } from '../src/syncEngine';
import { openTestDatabase } from '../testing/testDatabase';
import { FAST_CONNECT, TEST_SETTINGS } from '../testing/testEngine';
import { capturePhoto, photoTestPorts } from './photoFixtures';

const ORG = 'org_photos';
const USER = 'user_photos';

let server: TestServer;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  store().resetStats();
  store().setFaults({});
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function store() {
  const s = server.app.devMediaStore;
  if (!s) throw new Error('the test server runs without the dev media store');
  return s;
}

/** A wall clock the test can move forward (to make a backed-off item due without waiting). */
function offsetClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      }),
    advance(ms) {
      offset += ms;
    },
  };
}

async function setup(
  opts: { settings?: Partial<SyncSettings>; uploadFile?: UploadFilePort; clock?: Clock } = {},
) {
  const t = await openTestDatabase();
  const requests: string[] = [];
  /** photoIds of each signing request. */
  const signed: string[][] = [];
  const recordingFetch: FetchPort = (url, init) => {
    const path = new URL(url).pathname;
    requests.push(path);
    if (path === '/api/cloudinaryUpload') signed.push(JSON.parse(init?.body ?? '{}').photoIds);
    return fetch(url, init);
  };
  const ports = photoTestPorts({
    apiUrl: server.url,
    getToken: () => server.mintToken({ userId: USER, orgId: ORG }),
    fetch: recordingFetch,
    ...(opts.uploadFile ? { uploadFile: opts.uploadFile } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const settings: SyncSettings = { ...DEFAULT_SETTINGS, ...TEST_SETTINGS, ...opts.settings };
  const engine = createSyncEngine({
    db: t.syncDb,
    ports,
    settings,
    connectOptions: FAST_CONNECT,
    download: false,
    random: () => 0.5,
  });
  const { queue } = engine;
  cleanups.push(async () => {
    await engine.close();
    await t.close();
    rmSync(ports.captureDir, { recursive: true, force: true });
  });
  const capture = async (count: number, bytes: number) => {
    const shots = [];
    for (let i = 0; i < count; i++) {
      const shot = capturePhoto(ports.captureDir, bytes);
      await queue.enqueue({
        photoId: shot.photoId,
        sourcePath: shot.path,
        mediaType: 'image/jpeg',
        kind: 'before',
      });
      shots.push(shot);
    }
    return shots;
  };
  const pass = async () => {
    const budget = new RunBudget({ clock: ports.clock, budgetMs: 30_000, marginMs: settings.safetyMarginMs });
    try {
      return await queue.processQueue({ budget });
    } finally {
      budget.dispose();
    }
  };
  const uploadCrud = () => engine.uploader.upload();
  return { t, ports, queue, engine, settings, requests, signed, capture, pass, uploadCrud };
}

function phase(report: RunReport, name: string) {
  const p = report.phases.find((x) => x.name === name);
  if (!p) throw new Error(`no ${name} phase in ${JSON.stringify(report)}`);
  return p;
}

async function serverPhotos() {
  const { rows } = await server.db.query<{
    id: string;
    cloudinary_url: string | null;
    cloudinary_public_id: string | null;
  }>('SELECT id::text AS id, cloudinary_url, cloudinary_public_id FROM photos WHERE org_id = $1', [ORG]);
  return new Map(rows.map((r) => [r.id, r]));
}

describe('photo phase of a run', () => {
  it('uploads 30 photos with 8–10 in flight, byte-identical, and confirms them on the server', async () => {
    const { capture, engine, queue, t } = await setup();
    const shots = await capture(30, 20_000);
    store().setFaults({ responseDelayMs: 150 }); // each upload lasts long enough for the pipeline to fill

    const report = await engine.runBackgroundSync({ budgetMs: 60_000, trigger: 'manual' });

    expect(report.outcome).toBe('completed');
    expect(phase(report, 'photos').counts).toMatchObject({
      due: 30,
      uploaded: 30,
      failed: 0,
      left: 0,
      bytes: 600_000,
    });
    const stats = store().stats();
    console.info(`30 photos: at most ${stats.maxInFlight} uploads in flight at the media store`);
    expect(stats.maxInFlight).toBeGreaterThanOrEqual(8);
    expect(stats.maxInFlight).toBeLessThanOrEqual(10);
    expect(Object.keys(stats.stored)).toHaveLength(30);
    expect(Object.values(stats.stored).every((n) => n === 1)).toBe(true);
    expect(await queue.stats()).toMatchObject({ SYNCED: 30, QUEUED_UPLOAD: 0, UPLOADING: 0, FAILED: 0 });
    // The 30 PUTs went up before the photo phase, the 30 confirmation PATCHes after it, all accepted
    // (the server verifies each confirmation's signature).
    expect(report.counts).toMatchObject({ 'crud.applied': 60, 'crud.rejected': 0 });
    expect(await t.db.getAll('SELECT id FROM ps_crud')).toEqual([]);

    const rows = await serverPhotos();
    for (const shot of shots) {
      const row = rows.get(shot.photoId);
      expect(row?.cloudinary_public_id).toBe(`vhd/${ORG}/photos/${shot.photoId}`);
      expect(row?.cloudinary_url).toBeTruthy();
      const served = Buffer.from(await (await fetch(row!.cloudinary_url!)).arrayBuffer());
      expect(served.equals(shot.data)).toBe(true);
    }
  });

  it('reports deadline with the photos left, and starts no upload inside the safety margin', async () => {
    const starts: number[] = [];
    const timedUpload: UploadFilePort = (...args) => {
      starts.push(Date.now());
      return nodeUploadFile(...args);
    };
    const { capture, engine, queue } = await setup({
      uploadFile: timedUpload,
      settings: { uploadConcurrency: 2, safetyMarginMs: 1_500 },
    });
    await capture(16, 5_000);
    store().setFaults({ responseDelayMs: 400 });

    // At most 2 × ⌈2.5 s / 0.4 s⌉ = 14 of the 16 uploads can start before the margin.
    const report = await engine.runBackgroundSync({ budgetMs: 4_000, trigger: 'manual' });

    expect(report.outcome).toBe('deadline');
    const photos = phase(report, 'photos');
    expect(photos).toMatchObject({ status: 'stopped', stopCause: 'deadline' });
    expect(photos.counts?.uploaded).toBeGreaterThan(0);
    expect(photos.counts?.left).toBeGreaterThan(0);
    expect(photos.counts!.uploaded! + photos.counts!.left!).toBe(16);
    const marginStartsAt = report.startedAt + 4_000 - 1_500;
    expect(starts.length).toBeGreaterThan(0);
    for (const at of starts) expect(at).toBeLessThanOrEqual(marginStartsAt + 5);
    expect(await queue.stats()).toMatchObject({
      QUEUED_UPLOAD: photos.counts!.left,
      UPLOADING: 0,
      FAILED: 0,
    });
  });
});

describe('photo queue pass', () => {
  it('does not sign a photo while its row’s PUT is pending; signs it once the PUT is applied', async () => {
    const { capture, pass, uploadCrud, queue, requests } = await setup();
    const [shot] = await capture(1, 3_000);

    const before = await pass();
    expect(before).toMatchObject({ status: 'done', counts: { due: 0, uploaded: 0 } });
    expect(requests).not.toContain('/api/cloudinaryUpload');
    expect(await queue.get(shot!.photoId)).toMatchObject({ state: 'QUEUED_UPLOAD', signed_at: null });

    expect(await uploadCrud()).toMatchObject({ status: 'done', applied: 1 });
    const after = await pass();
    expect(after.counts).toMatchObject({ due: 1, uploaded: 1 });
    expect(requests.indexOf('/api/cloudinaryUpload')).toBeGreaterThan(
      requests.indexOf('/api/powersync/upload'),
    );
    expect(await queue.get(shot!.photoId)).toMatchObject({ state: 'SYNCED' });
  });

  it('never fails a photo over a flaky link (every third upload connection reset mid-body)', async () => {
    const proxy = await startResettingProxy(new URL(server.url), { every: 3, afterBytes: 4_096 });
    cleanups.push(proxy.close);
    const direct = createNodeUploadFile({ agent: new Agent({ keepAlive: false }) });
    const viaProxy: UploadFilePort = (path, url, ...rest) =>
      direct(path, url.replace(server.url, proxy.url), ...rest);
    const { capture, pass, uploadCrud, queue } = await setup({ uploadFile: viaProxy });
    await capture(12, 30_000);
    await uploadCrud();

    const reports = [];
    for (let i = 0; i < 4 && (await queue.stats()).SYNCED < 12; i++) reports.push(await pass());

    expect(proxy.resets()).toBeGreaterThanOrEqual(4);
    expect(await queue.stats()).toMatchObject({ SYNCED: 12, FAILED: 0 });
    for (const item of await queue.list()) expect(item.attempts).toBe(0);
    expect(Object.values(store().stats().stored)).toEqual(new Array(12).fill(1));
    expect(reports.every((r) => r.counts.failed === 0 && r.counts.deferred === 0)).toBe(true);
  });

  it('fails a photo after five media-store 4xx (with backoff) and a deleted one at once; the rest upload', async () => {
    const clock = offsetClock();
    // Backoff long enough that real time never makes the item due by itself; the test moves the clock.
    const { capture, pass, uploadCrud, queue, ports, settings } = await setup({
      clock,
      settings: { retryBaseMs: 60_000, retryCapMs: 3_600_000 },
    });
    const [good1, corrupt, deleted, good2] = await capture(4, 4_000);
    // Not an image: the media store refuses it with a 4xx every time.
    writeFileSync(queue.localFile((await queue.get(corrupt!.photoId))!)!, randomBytes(4_000));
    rmSync(queue.localFile((await queue.get(deleted!.photoId))!)!);
    await uploadCrud();

    const first = await pass();
    expect(first.counts).toMatchObject({ due: 4, uploaded: 2, failed: 1, deferred: 1, left: 0 });
    expect(await queue.get(deleted!.photoId)).toMatchObject({
      state: 'FAILED',
      attempts: 0,
      last_error: `local file missing: photos/${deleted!.photoId}.jpg`,
    });
    for (const shot of [good1!, good2!])
      expect(await queue.get(shot.photoId)).toMatchObject({ state: 'SYNCED' });

    for (let attempt = 1; attempt <= settings.maxItemAttempts; attempt++) {
      const item = (await queue.get(corrupt!.photoId))!;
      if (attempt < settings.maxItemAttempts) {
        expect(item).toMatchObject({ state: 'QUEUED_UPLOAD', attempts: attempt });
        expect(item.last_error).toMatch(/^media store HTTP 400/);
        // Full jitter with random() = 0.5: half of min(cap, base·2^(attempt−1)).
        const delay = Math.floor(
          0.5 * Math.min(settings.retryCapMs, settings.retryBaseMs * 2 ** (attempt - 1)),
        );
        expect(item.next_attempt_at - ports.clock.now()).toBeGreaterThan(delay - 1_000);
        expect(item.next_attempt_at - ports.clock.now()).toBeLessThanOrEqual(delay);
        expect((await pass()).counts.due).toBe(0); // backing off
        clock.advance(delay + 1);
        await pass();
      } else {
        expect(item).toMatchObject({ state: 'FAILED', attempts: 5 });
        expect(item.last_error).toMatch(/^media store HTTP 400: Invalid image file/);
      }
    }
    expect(await queue.stats()).toMatchObject({ SYNCED: 2, FAILED: 2, QUEUED_UPLOAD: 0 });

    // Retry from the Sync screen: the file is fixed meanwhile, the photo goes up.
    writeFileSync(queue.localFile((await queue.get(corrupt!.photoId))!)!, corrupt!.data);
    expect(await queue.retry(corrupt!.photoId)).toBe(true);
    expect((await pass()).counts).toMatchObject({ uploaded: 1 });
    expect(await queue.get(corrupt!.photoId)).toMatchObject({ state: 'SYNCED' });
  });

  it('marks a photo the server already has SYNCED without sending its bytes', async () => {
    const { capture, pass, uploadCrud, queue } = await setup();
    const [shot] = await capture(1, 3_000);
    await uploadCrud();
    await server.db.query('UPDATE photos SET cloudinary_url = $2, cloudinary_public_id = $3 WHERE id = $1', [
      shot!.photoId,
      'https://example.invalid/p.jpg',
      `vhd/${ORG}/photos/${shot!.photoId}`,
    ]);
    const report = await pass();
    expect(report.counts).toMatchObject({ alreadyUploaded: 1, uploaded: 0, bytes: 0 });
    expect(store().stats().received).toEqual({});
    expect(await queue.get(shot!.photoId)).toMatchObject({ state: 'SYNCED' });
  });
  it('signs in batches of at most signBatchSize photos', async () => {
    const { capture, pass, uploadCrud, signed } = await setup({ settings: { signBatchSize: 4 } });
    await capture(10, 2_000);
    await uploadCrud();
    expect((await pass()).counts).toMatchObject({ uploaded: 10 });
    expect(signed.map((ids) => ids.length)).toEqual([4, 4, 2]);
  });

  it('reuses upload params signed under 50 minutes ago and signs older ones again', async () => {
    const { capture, pass, uploadCrud, t, engine, signed, ports } = await setup();
    const [fresh, stale] = await capture(2, 3_000);
    await uploadCrud();
    const answer = await signPhotos(engine.api, [fresh!.photoId, stale!.photoId], {
      budget: new RunBudget({}),
      timeoutMs: 5_000,
    });
    if (!answer.ok) throw new Error(JSON.stringify(answer.failure));
    const now = ports.clock.now();
    for (const u of answer.uploads) {
      const signedAt = u.photoId === fresh!.photoId ? now - 49 * 60_000 : now - 51 * 60_000;
      await saveSigned(t.syncDb, u.photoId, { url: u.url, fields: u.fields, signedAt });
    }
    signed.length = 0;

    const report = await pass();

    expect(report.counts).toMatchObject({ uploaded: 2 });
    expect(signed).toEqual([[stale!.photoId]]);
  });

  it('counts a photo the server does not know (row lost there) as an attempt; a forbidden one too', async () => {
    const { capture, pass, queue, t, ports, settings } = await setup();
    const [unknown, foreign] = await capture(2, 3_000);
    // Both rows leave ps_crud without reaching the server (as when the server deleted the row) …
    for (let tx = await t.db.getNextCrudTransaction(); tx; tx = await t.db.getNextCrudTransaction()) {
      await tx.complete();
    }
    // … and another organization owns the second photo's id there.
    await server.db.query("INSERT INTO organizations (id) VALUES ('org_other') ON CONFLICT DO NOTHING");
    await server.db.query("INSERT INTO photos (id, org_id) VALUES ($1, 'org_other')", [foreign!.photoId]);

    const passStarted = ports.clock.now();
    const report = await pass();

    expect(report.counts).toMatchObject({ due: 2, deferred: 2, uploaded: 0, failed: 0 });
    const later = (await queue.get(unknown!.photoId))!;
    expect(later).toMatchObject({
      state: 'QUEUED_UPLOAD',
      attempts: 1,
      last_error: 'the server does not know this photo: its row was rejected or deleted',
    });
    // Backoff of the first attempt with jitter 0.5: half the base, from when it was charged (not
    // from now: on a loaded machine the pass may outlast the 50 ms).
    expect(later.next_attempt_at).toBeGreaterThanOrEqual(passStarted + settings.retryBaseMs / 2);
    expect(await queue.get(foreign!.photoId)).toMatchObject({
      state: 'QUEUED_UPLOAD',
      attempts: 1,
      last_error: 'the server refused to sign this photo: forbidden',
    });
    expect(store().stats().received).toEqual({});
  });
});

describe('photos the media store will take', () => {
  it('never sends a photo over the limits the server names: FAILED at once with the reason, zero bytes sent', async () => {
    const { capture, queue, engine, ports } = await setup();
    const [fits] = await capture(1, 5_000);
    const [tooBig] = await capture(1, 10_485_761);
    const shot = capturePhoto(ports.captureDir, 4_000);
    await queue.enqueue({
      photoId: shot.photoId,
      sourcePath: shot.path,
      mediaType: 'image/jpeg',
      kind: 'after',
      width: 6000,
      height: 5000,
    });

    const report = await engine.runBackgroundSync({ budgetMs: 60_000, trigger: 'manual' });

    expect(report.outcome).toBe('completed');
    expect(phase(report, 'photos').counts).toMatchObject({ due: 3, uploaded: 1, failed: 2, left: 0 });
    expect(await queue.get(tooBig!.photoId)).toMatchObject({
      state: 'FAILED',
      attempts: 0,
      last_error: 'the photo is 10485761 bytes; the media store takes at most 10485760',
    });
    expect(await queue.get(shot.photoId)).toMatchObject({
      state: 'FAILED',
      last_error: 'the photo is 6000x5000 (30000000 pixels); the media store takes at most 25000000',
    });
    expect(Object.keys(store().stats().received)).toEqual([`vhd/${ORG}/photos/${fits!.photoId}`]);
    const failed = (await engine.getSyncOverview()).photos.failed.map((f) => f.lastError);
    expect(failed).toContain('the photo is 10485761 bytes; the media store takes at most 10485760');
    // Kept for the app, which fits new photos within them at capture.
    expect(await queue.mediaLimits()).toEqual({ maxBytes: 10_485_760, maxPixels: 25_000_000 });
  });

  it("stops the pass on Cloudinary's rate limit (420) without charging an attempt", async () => {
    const { capture, pass, queue, uploadCrud } = await setup({ settings: { uploadConcurrency: 1 } });
    const shots = await capture(3, 3_000);
    await uploadCrud();
    store().setFaults({ failNext: { count: 1, status: 420, message: 'Rate Limit Exceeded' } });

    const report = await pass();

    expect(report).toMatchObject({ status: 'stopped', stopCause: 'server_unavailable' });
    expect(report.counts).toMatchObject({ uploaded: 0, failed: 0, left: 3 });
    for (const shot of shots) {
      expect(await queue.get(shot.photoId)).toMatchObject({ state: 'QUEUED_UPLOAD', attempts: 0 });
    }
    expect(Object.values(store().stats().received)).toEqual([1]);
    expect((await pass()).counts).toMatchObject({ uploaded: 3 });
  });

  it('signs again after a "Stale request" answer, without an attempt', async () => {
    const { capture, pass, queue, uploadCrud, signed } = await setup();
    const [shot] = await capture(1, 3_000);
    await uploadCrud();
    store().setFaults({
      failNext: {
        count: 1,
        status: 400,
        message: 'Stale request - reported time is 2026-12-06 05:00:00 +0000 which is more than 1 hour ago',
      },
    });

    const report = await pass();

    expect(report.counts).toMatchObject({ uploaded: 1, failed: 0, deferred: 0 });
    expect(await queue.get(shot!.photoId)).toMatchObject({ state: 'SYNCED', attempts: 0 });
    expect(signed).toEqual([[shot!.photoId], [shot!.photoId]]);
  });

  it('confirms through the server an "existing" answer that lacks the signature, without an attempt', async () => {
    const { capture, pass, queue, uploadCrud, requests } = await setup();
    const [shot] = await capture(1, 3_000);
    await uploadCrud();
    // The store already holds the photo (a dead run's upload) and the server never heard of it
    // (its notification lost: the row's fields are cleared again below).
    const publicId = `vhd/${ORG}/photos/${shot!.photoId}`;
    const signing = await fetch(`${server.url}/api/cloudinaryUpload`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await server.mintToken({ userId: USER, orgId: ORG })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ photoIds: [shot!.photoId] }),
    });
    const { uploads } = (await signing.json()) as {
      uploads: { url: string; fields: Record<string, string> }[];
    };
    const form = new FormData();
    for (const [k, v] of Object.entries(uploads[0]!.fields)) form.append(k, v);
    form.append('file', new Blob([new Uint8Array(shot!.data)]), 'a.jpg');
    expect((await fetch(uploads[0]!.url, { method: 'POST', body: form })).status).toBe(200);
    await store().notificationsIdle();
    await server.db.query(
      `UPDATE photos SET cloudinary_public_id = NULL, cloudinary_version = NULL, cloudinary_url = NULL,
         bytes = NULL, width = NULL, height = NULL WHERE id = $1`,
      [shot!.photoId],
    );
    store().setFaults({ partialExistingAnswers: true });

    const report = await pass();

    expect(report.counts).toMatchObject({ alreadyUploaded: 1, failed: 0, deferred: 0 });
    expect(await queue.get(shot!.photoId)).toMatchObject({ state: 'SYNCED', attempts: 0 });
    expect(requests.filter((r) => r === '/api/cloudinaryUpload')).toHaveLength(2);
    expect((await serverPhotos()).get(shot!.photoId)?.cloudinary_url).toContain(publicId);
    expect(store().stats().stored[publicId]).toBe(1);
  });
});

describe('photos whose row is rejected or deleted', () => {
  it('a photo whose row the server rejected ends FAILED with the rejection, not queued for ever', async () => {
    const { t, queue, engine, ports } = await setup();
    const shot = capturePhoto(ports.captureDir, 3_000);
    // Another organization's id in the row: the server refuses it (forbidden).
    await queue.enqueue({
      photoId: shot.photoId,
      sourcePath: shot.path,
      mediaType: 'image/jpeg',
      kind: 'before',
      orgId: 'org_someone_else',
    });

    const report = await engine.runBackgroundSync({ budgetMs: 60_000, trigger: 'manual' });

    expect(report.counts).toMatchObject({ 'crud.rejected': 1 });
    expect(phase(report, 'photos').counts).toMatchObject({ failed: 1, deferred: 0 });
    const item = (await queue.get(shot.photoId))!;
    expect(item.state).toBe('FAILED');
    expect(item.last_error).toMatch(/^the server rejected this photo's row: forbidden/);
    expect(await t.db.getAll('SELECT id FROM ps_crud')).toEqual([]);
    expect(store().stats().received).toEqual({});
  });

  it('a photo the server lost ends FAILED after maxItemAttempts passes', async () => {
    const clock = offsetClock();
    const { capture, pass, queue, uploadCrud } = await setup({ clock, settings: { maxItemAttempts: 3 } });
    const [shot] = await capture(1, 3_000);
    await uploadCrud();
    await server.db.query('DELETE FROM photos WHERE id = $1', [shot!.photoId]);
    for (let i = 0; i < 3; i++) {
      await pass();
      clock.advance(DEFAULT_SETTINGS.retryCapMs);
    }
    expect(await queue.get(shot!.photoId)).toMatchObject({
      state: 'FAILED',
      attempts: 3,
      last_error: 'the server does not know this photo: its row was rejected or deleted',
    });
  });

  it('a photo whose local row was deleted is not uploaded: taken off the queue, its file removed', async () => {
    const { capture, pass, queue, t, uploadCrud, ports } = await setup({
      settings: { uploadConcurrency: 1 },
    });
    const [first, second, third] = await capture(3, 3_000);
    await uploadCrud();
    // Deleted before the pass (its DELETE still pending) …
    await t.db.execute('DELETE FROM photos WHERE id = ?', [third!.photoId]);
    // … and while the first upload is in flight, after the pass signed the second.
    store().setFaults({ responseDelayMs: 400 });
    const passing = pass();
    await waitFor(async () => (await queue.get(first!.photoId))?.state === 'UPLOADING');
    await t.db.execute('DELETE FROM photos WHERE id = ?', [second!.photoId]);
    const report = await passing;

    expect(report.counts).toMatchObject({ due: 3, uploaded: 1, discarded: 2, left: 0 });
    expect(Object.keys(store().stats().received)).toEqual([`vhd/${ORG}/photos/${first!.photoId}`]);
    for (const gone of [second!, third!]) {
      expect(await queue.get(gone.photoId)).toBeNull();
      expect((await ports.files.info(`${ports.documentsDir}/photos/${gone.photoId}.jpg`)).exists).toBe(false);
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A TCP proxy that resets every `every`-th connection after forwarding `afterBytes` of its request. */
async function startResettingProxy(target: URL, opts: { every: number; afterBytes: number }) {
  let connections = 0;
  let resets = 0;
  const sockets = new Set<Socket>();
  const proxy: Server = createTcpServer((client) => {
    const doomed = ++connections % opts.every === 0;
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let forwarded = 0;
    client.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      if (doomed && forwarded > opts.afterBytes) {
        resets++;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    resets: () => resets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

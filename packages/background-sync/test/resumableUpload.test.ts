// Chunked, resumable photo uploads against the real server's dev media store (Cloudinary's test
// double): a photo cut off mid-file goes on in the next pass from the last confirmed chunk and is
// stored once, byte-identical; a port that cannot send ranges uploads whole files.
import { readFileSync, rmSync } from 'node:fs';
import { startTestServer, type TestServer } from '@vhd/server/testing';
import { beforeAll, expect, it, onTestFinished } from 'vitest';
import { nodeUploadFile } from '../node/nodeUploadFile';
import { ApiClient } from '../src/apiClient';
import { CrudUploader } from '../src/crudUploader';
import { PhotoAttachmentQueue } from '../src/photoQueue';
import type { UploadFileOptions, UploadFilePort } from '../src/ports';
import { RunBudget } from '../src/runBudget';
import { DEFAULT_SETTINGS, type SyncSettings } from '../src/settings';
import { readUploadSession } from '../src/uploadSessionStore';
import { capturePhoto, photoTestPorts } from './photoFixtures';
import { openTestDatabase } from '../testing/testDatabase';
import { TEST_SETTINGS } from '../testing/testEngine';

const CHUNK = 100_000;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  return () => server.close();
});

/** A photo queue on the test server; every upload request's byte range is recorded. */
async function setup(uploadFile: UploadFilePort) {
  server.app.devMediaStore!.resetStats();
  const t = await openTestDatabase();
  const sent: Array<UploadFileOptions['range']> = [];
  const recording: UploadFilePort = Object.assign(
    (...args: Parameters<UploadFilePort>) => {
      sent.push(args[5]?.range);
      return uploadFile(...args);
    },
    { sendsRanges: uploadFile.sendsRanges },
  );
  const ports = photoTestPorts({
    apiUrl: server.url,
    getToken: () => server.mintToken({ userId: 'user_chunks', orgId: 'org_chunks' }),
    uploadFile: recording,
  });
  const settings: SyncSettings = { ...DEFAULT_SETTINGS, ...TEST_SETTINGS, uploadChunkBytes: CHUNK };
  const queue = new PhotoAttachmentQueue({ db: t.syncDb, ports, settings });
  onTestFinished(async () => {
    await t.close();
    rmSync(ports.captureDir, { recursive: true, force: true });
  });
  const shot = capturePhoto(ports.captureDir, 350_000);
  await queue.enqueue({ photoId: shot.photoId, sourcePath: shot.path, mediaType: 'image/jpeg' });
  const crud = new CrudUploader({ ...ports, api: new ApiClient(ports), db: t.syncDb, settings });
  expect((await crud.upload()).status).toBe('done');
  const pass = async (signal?: AbortSignal) => {
    const budget = new RunBudget({
      clock: ports.clock,
      budgetMs: 30_000,
      marginMs: settings.safetyMarginMs,
      ...(signal ? { signal } : {}),
    });
    try {
      return await queue.processQueue({ budget });
    } finally {
      budget.dispose();
    }
  };
  return { t, shot, queue, sent, pass };
}

it('a photo cut off after two chunks goes on from the third in the next pass and is stored once', async () => {
  // The first run's budget ends once the store has confirmed two chunks (the third is then in flight).
  const run1 = new AbortController();
  let answered = 0;
  const cutting: UploadFilePort = Object.assign(
    async (...args: Parameters<UploadFilePort>) => {
      const res = await nodeUploadFile(...args);
      if (++answered === 2) run1.abort(new Error('deadline'));
      return res;
    },
    { sendsRanges: true },
  );
  const { t, shot, queue, sent, pass } = await setup(cutting);
  const first = await pass(run1.signal);
  expect(first.status).toBe('stopped');
  expect(await readUploadSession(t.syncDb, shot.photoId)).toMatchObject({ confirmed: 2 * CHUNK });

  const second = await pass();
  expect(second).toMatchObject({ status: 'done', counts: { uploaded: 1 } });
  // The second pass starts at the third chunk: only the chunk the cut-off lost crossed twice.
  expect(sent.map((r) => r?.start)).toEqual([0, CHUNK, 2 * CHUNK, 2 * CHUNK, 3 * CHUNK]);
  const stored = server.app.devMediaStore!.stats().stored;
  expect(Object.values(stored)).toEqual([1]);
  expect((await queue.get(shot.photoId))?.state).toBe('SYNCED');
  expect(await readUploadSession(t.syncDb, shot.photoId)).toBeNull();
  const publicId = Object.keys(stored)[0]!;
  expect(readFileSync(server.app.devMediaStore!.files.dataPath(publicId)).equals(shot.data)).toBe(true);
});

it('a port that cannot send a part of a file uploads the photo whole', async () => {
  const whole: UploadFilePort = (...args) =>
    nodeUploadFile(...(args.slice(0, 5) as Parameters<UploadFilePort>));
  const { shot, sent, pass } = await setup(whole);
  expect(await pass()).toMatchObject({ status: 'done', counts: { uploaded: 1, bytes: shot.data.length } });
  expect(sent).toEqual([undefined]);
});

// Uploads stream from disk: the memory the uploading process holds does not grow with the photo
// size (1 MB vs 20 MB photos, three in flight). Measured in a child process with a generous
// bound; the precise figure belongs to bench/.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@vhd/server/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_SETTINGS } from '../testing/testEngine';
import { type PhotoChildReport, photoBytes, runPhotoChild } from './photoFixtures';

const ORG = 'org_photo_memory';
const MB = 1024 * 1024;
const PHOTOS = 3;

let server: TestServer;

beforeAll(async () => {
  // 20 MB photos are over the Free plan's 10 MiB: a store that takes them, as a paid plan would.
  server = await startTestServer({ config: { mediaMaxBytes: 40 * MB } });
});

afterAll(async () => {
  await server?.close();
});

async function peakGrowth(
  photoSize: number,
): Promise<NonNullable<PhotoChildReport['memory']> & { growth: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'vhd-photo-memory-'));
  try {
    const enqueue = Array.from({ length: PHOTOS }, () => {
      const photoId = randomUUID();
      const path = join(dir, `${photoId}.jpg`);
      writeFileSync(path, photoBytes(photoSize));
      return { photoId, path };
    });
    const run = await runPhotoChild({
      dbDir: dir,
      dbFile: 'phone.db',
      apiUrl: server.url,
      token: await server.mintToken({ orgId: ORG, expiresInSec: 600 }),
      documentsDir: join(dir, 'documents'),
      settings: TEST_SETTINGS,
      enqueue,
      uploadCrudFirst: true,
      sampleMemory: true,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.report?.result.counts).toMatchObject({ uploaded: PHOTOS, bytes: PHOTOS * photoSize });
    const memory = run.report!.memory!;
    return { ...memory, growth: memory.peakRss - memory.baselineRss };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('keeps peak memory flat from 1 MB to 20 MB photos', { timeout: 120_000 }, async () => {
  const small = await peakGrowth(1 * MB);
  const large = await peakGrowth(20 * MB);
  const held = (m: typeof small) => m.peakArrayBuffers - m.baselineArrayBuffers;
  console.info(
    `photo upload peak growth, ${PHOTOS} in flight, 1 MB vs 20 MB photos: buffers held ` +
      `${(held(small) / MB).toFixed(1)} vs ${(held(large) / MB).toFixed(1)} MB; rss ` +
      `${(small.growth / MB).toFixed(1)} vs ${(large.growth / MB).toFixed(1)} MB`,
  );
  // The assertion is on buffers held (array buffers after a collection): a file read into JS memory
  // shows there in full (3 × 20 MB when tried), streamed chunks do not. RSS is printed, not asserted:
  // on this shared machine it moves by ±15 MB between identical runs.
  expect(held(large)).toBeLessThan(8 * MB);
  expect(held(large) - held(small)).toBeLessThan(4 * MB);
});

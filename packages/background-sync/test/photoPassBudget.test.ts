// The photo pass within a budget on a slow link, in simulated time (issue 15.1): the signing
// answers at once, every upload crosses a SimulatedLink of poor 3G (1.5 Mbit/s, 300 ms answer).
// Ten 2 MB uploads sharing that link all finish after a 22 s budget; the pass must store some.
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { PhotoAttachmentQueue } from '../src/photoQueue';
import type { FetchPort, UploadFilePort } from '../src/ports';
import { RunBudget } from '../src/runBudget';
import { capturePhoto, photoTestPorts } from './photoFixtures';
import { SimulatedLink } from './support/simulatedLink';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';

const MB = 1_000_000;
const POOR_3G_BYTES_PER_MS = 1_500_000 / 8 / 1000;

let t: TestDatabase;
let link: SimulatedLink;
let ports: ReturnType<typeof photoTestPorts>;
let stored: Array<{ id: string; at: number }>;

/** Signs every photo asked for, at once (the link carries only the uploads here). */
const signingFetch: FetchPort = async (_url, init) => {
  const { photoIds } = JSON.parse(init?.body ?? '{}') as { photoIds: string[] };
  const body = JSON.stringify({
    uploads: photoIds.map((photoId) => ({
      photoId,
      url: 'http://media.invalid/upload',
      fields: { public_id: photoId, signature: 's' },
    })),
    rejected: [],
  });
  return { ok: true, status: 200, headers: { get: () => null }, text: async () => body };
};

beforeEach(async () => {
  t = await openTestDatabase();
  link = new SimulatedLink(POOR_3G_BYTES_PER_MS, 300);
  stored = [];
  const uploadFile: UploadFilePort = async (path, _url, fields, signal, onProgress) => {
    const size = (await ports.files.info(path)).size;
    onProgress?.(0, size);
    await link.send(size, signal);
    onProgress?.(size, size);
    stored.push({ id: fields.public_id!, at: link.now });
    const body = { public_id: fields.public_id, version: 1, signature: 'sig' };
    return { status: 200, body: JSON.stringify(body) };
  };
  ports = photoTestPorts({
    apiUrl: 'http://api.invalid',
    getToken: async () => 'token',
    fetch: signingFetch,
    uploadFile,
    clock: link.clock,
  });
});

afterEach(async () => {
  await t.close();
  rmSync(ports.captureDir, { recursive: true, force: true });
});

async function queuePhotos(sizes: number[]): Promise<PhotoAttachmentQueue> {
  const queue = new PhotoAttachmentQueue({ db: t.syncDb, ports });
  for (const bytes of sizes) {
    const shot = capturePhoto(ports.captureDir, bytes);
    await queue.enqueue({ photoId: shot.photoId, sourcePath: shot.path, mediaType: 'image/jpeg' });
  }
  // The server has the photo rows: signing may begin.
  for (let tx = await t.db.getNextCrudTransaction(); tx; tx = await t.db.getNextCrudTransaction()) {
    await tx.complete();
  }
  return queue;
}

/** One pass with `budgetMs` of simulated time; uploads still on the link at its end are cut off. */
async function passWithin(queue: PhotoAttachmentQueue, budgetMs: number) {
  const cutOff = new AbortController();
  const budget = new RunBudget({ clock: link.clock, budgetMs, marginMs: 1_000, signal: cutOff.signal });
  let finished = false;
  const pass = queue.processQueue({ budget }).finally(() => {
    finished = true;
  });
  // Database work takes real time, not simulated: let it finish between link events.
  await link.run(
    budgetMs,
    () => finished,
    () => new Promise((resolve) => setTimeout(resolve, 15)),
  );
  cutOff.abort(new Error('deadline'));
  const report = await pass;
  budget.dispose();
  return { report, storedInBudget: stored.filter((s) => s.at <= budgetMs) };
}

it('poor 3G, ten 2 MB photos, 22 s: stores photos within the budget (ten at once store none)', async () => {
  const queue = await queuePhotos(Array(10).fill(2 * MB));
  const { report, storedInBudget } = await passWithin(queue, 22_000);
  expect(storedInBudget.length).toBeGreaterThanOrEqual(1);
  expect(report.counts.uploaded).toBe(storedInBudget.length);
  expect(report).toMatchObject({ status: 'stopped', stopCause: 'deadline' });
  expect((await queue.stats()).SYNCED).toBe(storedInBudget.length);
});

it('poor 3G, 2 MB and 200 kB photos, 22 s: ≥ 0.8 of what the link can carry is stored', async () => {
  const queue = await queuePhotos([...Array(6).fill(2 * MB), ...Array(20).fill(200_000)]);
  const { storedInBudget } = await passWithin(queue, 22_000);
  const bytes = storedInBudget.length && (await queue.list(['SYNCED'])).reduce((n, p) => n + p.size, 0);
  expect(bytes / (POOR_3G_BYTES_PER_MS * 22_000)).toBeGreaterThanOrEqual(0.8);
});

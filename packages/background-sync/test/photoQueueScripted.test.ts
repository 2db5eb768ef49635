// A photo pass against a scripted signing server and media store (test doubles behind the fetch
// and uploadFile ports): how many abort listeners many uploads in flight add (issue 15.2), and the
// one fate of a malformed signing answer (issue 16: a stop, never a thrown run or an attempt).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PhotoAttachmentQueue } from '../src/photoQueue';
import type { FetchPort, UploadFilePort } from '../src/ports';
import { RunBudget } from '../src/runBudget';
import { DEFAULT_SETTINGS } from '../src/settings';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';
import { capturePhoto, photoTestPorts } from './photoFixtures';

let t: TestDatabase;
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);

beforeEach(async () => {
  t = await openTestDatabase();
  warnings.length = 0;
  process.on('warning', onWarning);
});

afterEach(async () => {
  process.off('warning', onWarning);
  await t.close();
});

/** Our server's signing route, scripted: answers each request's photo ids with `answer(ids)`. */
function signingServer(answer: (photoIds: string[]) => { status?: number; body: unknown }): FetchPort {
  return async (_url, init) => {
    const { photoIds } = JSON.parse(String(init?.body)) as { photoIds: string[] };
    const { status = 200, body } = answer(photoIds);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
}

const signAll = (photoIds: string[]) => ({
  body: {
    uploads: photoIds.map((photoId) => ({
      photoId,
      url: 'http://store.test/upload',
      fields: { public_id: photoId },
    })),
    rejected: [],
  },
});

/** A queue with `count` photos whose rows the server already has, on the given ports' doubles. */
async function queueWith(count: number, fetch: FetchPort, uploadFile: UploadFilePort) {
  const ports = photoTestPorts({
    apiUrl: 'http://api.test',
    getToken: async () => 'token',
    fetch,
    uploadFile,
  });
  const queue = new PhotoAttachmentQueue({ db: t.syncDb, ports });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const shot = capturePhoto(ports.captureDir, 1_000);
    await queue.enqueue({ photoId: shot.photoId, sourcePath: shot.path, mediaType: 'image/jpeg' });
    ids.push(shot.photoId);
  }
  for (let tx = await t.db.getNextCrudTransaction(); tx; tx = await t.db.getNextCrudTransaction()) {
    await tx.complete();
  }
  return { ports, queue, ids };
}

const neverUploads: UploadFilePort = async () => {
  throw new Error('no upload expected');
};

describe('a pass against scripted servers', () => {
  const IN_FLIGHT = 12;
  it(`keeps ${IN_FLIGHT} uploads in flight without a listener per upload on the run's signal`, async () => {
    // The media store holds every upload until all of them are in flight, then stores them.
    const started: Array<() => void> = [];
    const store: UploadFilePort = (path, _url, fields, signal) =>
      new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        started.push(() =>
          resolve({
            status: 200,
            body: JSON.stringify({ public_id: fields.public_id, version: 1, signature: `s-${path.length}` }),
          }),
        );
        if (started.length === IN_FLIGHT) for (const go of started) go();
      });
    const { ports, queue } = await queueWith(IN_FLIGHT, signingServer(signAll), store);
    const run = new AbortController();
    const budget = new RunBudget({
      clock: ports.clock,
      budgetMs: 60_000,
      marginMs: 1_000,
      signal: run.signal,
    });
    const report = await queue.processQueue({
      budget,
      settings: { ...DEFAULT_SETTINGS, uploadConcurrency: IN_FLIGHT, uploadStartConcurrency: IN_FLIGHT },
    });
    budget.dispose();
    await new Promise((r) => setImmediate(r)); // process warnings are emitted on a later tick
    expect(report.counts).toMatchObject({ due: IN_FLIGHT, uploaded: IN_FLIGHT });
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual(
      [],
    );
  });

  it.each([
    [
      'a malformed upload entry',
      (ids: string[]) => ({ body: { uploads: [{ photoId: ids[0], url: 7 }], rejected: [] } }),
    ],
    [
      'an id left unanswered',
      (ids: string[]) => ({ body: { uploads: [], rejected: [{ photoId: ids[0], code: 'forbidden' }] } }),
    ],
    ['a body that is no answer at all', () => ({ body: ['not', 'an', 'answer'] })],
    [
      'a 400 the contract does not name',
      () => ({ status: 400, body: { error: { code: 'invalid', message: 'bad' } } }),
    ],
  ])('stops as server_unavailable on %s: nothing thrown, no attempt charged', async (_case, answer) => {
    const { ports, queue, ids } = await queueWith(2, signingServer(answer), neverUploads);
    const budget = new RunBudget({ clock: ports.clock, budgetMs: 60_000, marginMs: 1_000 });
    const report = await queue.processQueue({ budget });
    budget.dispose();
    expect(report).toMatchObject({
      status: 'stopped',
      stopCause: 'server_unavailable',
      counts: { due: 2, left: 2 },
    });
    for (const id of ids) expect(await queue.get(id)).toMatchObject({ state: 'QUEUED_UPLOAD', attempts: 0 });
  });
});

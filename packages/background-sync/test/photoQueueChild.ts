// A child process that runs one photo queue pass on a database file, so a test can watch a real
// kill or measure memory apart from the test runner. Run with tsx (node --import tsx); config in
// PHOTO_CHILD (JSON, see PhotoChildConfig). Prints `report <json>` when the pass ends.

import { createNodePorts } from '../node/nodePorts';
import { RunBudget } from '../src/runBudget';
import { DEFAULT_SETTINGS } from '../src/settings';
import { createSyncEngine } from '../src/syncEngine';
import { openTestDatabase } from '../testing/testDatabase';
import type { PhotoChildConfig, PhotoChildReport } from './photoFixtures';
import { silentLogger } from './photoFixtures';

const config = JSON.parse(process.env.PHOTO_CHILD ?? '') as PhotoChildConfig;
const t = await openTestDatabase({ dir: config.dbDir, filename: config.dbFile });
const ports = createNodePorts({
  apiUrl: config.apiUrl,
  documentsDir: config.documentsDir,
  getToken: async () => config.token,
  logger: silentLogger,
});
const settings = { ...DEFAULT_SETTINGS, ...config.settings };
const engine = createSyncEngine({
  db: t.syncDb,
  ports,
  settings,
  hooks: {
    afterStoreSaved: () => {
      // The named kill point: the media store has the file, the item is not SYNCED yet.
      if (config.killAtStoreSaved) process.kill(process.pid, 'SIGKILL');
    },
  },
});
const { queue } = engine;

for (const photo of config.enqueue ?? []) {
  await queue.enqueue({
    photoId: photo.photoId,
    sourcePath: photo.path,
    mediaType: 'image/jpeg',
    kind: 'before',
  });
}
if (config.uploadCrudFirst) await engine.uploader.upload();

const memory = { baselineRss: 0, peakRss: 0, baselineArrayBuffers: 0, peakArrayBuffers: 0 };
let sampler: ReturnType<typeof setInterval> | undefined;
if (config.sampleMemory) {
  // Collect before each sample: what is measured is memory held, not garbage awaiting collection
  // (which grows with the bytes read however they are read).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('sampleMemory needs node --expose-gc');
  gc();
  const base = process.memoryUsage();
  memory.baselineRss = memory.peakRss = base.rss;
  memory.baselineArrayBuffers = memory.peakArrayBuffers = base.arrayBuffers;
  sampler = setInterval(() => {
    gc();
    const now = process.memoryUsage();
    memory.peakRss = Math.max(memory.peakRss, now.rss);
    memory.peakArrayBuffers = Math.max(memory.peakArrayBuffers, now.arrayBuffers);
  }, 5);
}
const budget = new RunBudget({ clock: ports.clock, budgetMs: 60_000, marginMs: settings.safetyMarginMs });
const result = await queue.processQueue({ budget });
clearInterval(sampler);
budget.dispose();
const report: PhotoChildReport = { result, ...(config.sampleMemory ? { memory } : {}) };
process.stdout.write(`report ${JSON.stringify(report)}\n`);
await t.close();

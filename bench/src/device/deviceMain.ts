// A phone in a child process, for one measured job: the engine or the baseline on @powersync/node,
// every request through the link emulator (the orchestrator's). Setup (queued CRUD, captured
// photos) happens before the orchestrator says `go`; memory is that of this process alone.
// Run with `node --expose-gc --import tsx`; the job comes in BENCH_JOB (JSON), messages go over IPC.
import { join } from 'node:path';
import {
  ApiClient,
  CrudUploader,
  createSyncEngine,
  DEFAULT_SETTINGS,
  type SyncSettings,
  type UploadFilePort,
} from '@vhd/background-sync';
import {
  consoleLogger,
  createNodePorts,
  nodeFetch,
  nodeUploadFile,
  openNodeDatabase,
} from '@vhd/background-sync/node';
import { baselineRun } from '../baseline/baselineRun';
import { startMemorySampler } from './memorySampler';
import { Meter } from './meter';
import type { ChildMessage, DeviceJob, DeviceMeasurement, ParentMessage } from './protocol';
import { capturePhotos, writeCrudWork } from './workload';

/** Long enough never to bind: only `budget-ios` measures a budget. */
const UNBOUNDED_BUDGET_MS = 60 * 60_000;

const job = JSON.parse(process.env.BENCH_JOB ?? '') as DeviceJob;
const send = (message: ChildMessage) => process.send?.(message);

async function main(): Promise<void> {
  const db = await openNodeDatabase({ path: join(job.workDir, 'phone.db'), readWorkerCount: 1 });
  const meter = new Meter(job.serverUrl, job.linkUrl);
  const settings: SyncSettings = {
    ...DEFAULT_SETTINGS,
    ...(job.safetyMarginMs !== undefined ? { safetyMarginMs: job.safetyMarginMs } : {}),
    ...(job.uploadChunkBytes !== undefined ? { uploadChunkBytes: job.uploadChunkBytes } : {}),
  };
  const uploadFile = meter.uploadFile(
    job.wholeUploads
      ? (...args) => nodeUploadFile(...(args.slice(0, 5) as Parameters<UploadFilePort>))
      : nodeUploadFile,
  );
  const ports = createNodePorts({
    apiUrl: job.linkUrl,
    documentsDir: join(job.workDir, 'documents'),
    getToken: async () => job.token,
    logger: consoleLogger('warn', `bench-${job.side}`),
    fetch: meter.fetch,
    uploadFile,
  });

  // Setup, unmeasured.
  if (job.workload.crud) await writeCrudWork(db, job.workload.crud);
  const photos = await capturePhotos(join(job.workDir, 'camera'), job.workload.photos ?? []);
  const totalFileBytes = photos.reduce((n, p) => n + p.bytes, 0);
  // The engine's photo queue takes the captures; its run uploads, with no download phase to wait on.
  const sync = createSyncEngine({ db, ports, settings, download: false });
  if (job.side === 'engine') {
    for (const p of photos) {
      await sync.queue.enqueue({
        photoId: p.photoId,
        sourcePath: p.path,
        mediaType: 'image/jpeg',
        kind: 'before',
      });
    }
  } else {
    for (const p of photos) {
      await db.execute(`INSERT INTO photos (id, kind, taken_at, bytes) VALUES (?, 'before', ?, ?)`, [
        p.photoId,
        new Date().toISOString(),
        p.bytes,
      ]);
    }
    if (job.presyncPhotoRows) {
      const direct = { ...ports, apiUrl: job.serverUrl, fetch: nodeFetch };
      const setup = new CrudUploader({ ...direct, api: new ApiClient(direct), db, settings });
      const done = await setup.upload();
      if (done.status !== 'done') throw new Error(`photo rows setup: ${done.stop?.reason}`);
    }
  }
  const crudTotal = (await db.get<{ n: number }>('SELECT count(*) AS n FROM ps_crud')).n;

  send({ type: 'ready' });
  await new Promise<void>((resolve) =>
    process.once('message', (m: ParentMessage) => {
      if (m.type === 'go') resolve();
    }),
  );

  const memory = job.sampleMemory ? startMemorySampler() : undefined;
  const started = performance.now();
  const progress = setInterval(async () => {
    const left = await db.get<{ n: number }>('SELECT count(*) AS n FROM ps_crud');
    send({
      type: 'progress',
      progress: {
        crudLeft: left.n,
        crudTotal,
        photosStored: meter.photosStored,
        photosTotal: photos.length,
        fileBytes: meter.fileBytesStored,
        elapsedMs: performance.now() - started,
      },
    });
  }, 1000);

  let outcome: string;
  let crud: DeviceMeasurement['crud'];
  let errors: string[];
  let windowed = false;
  let perRun: DeviceMeasurement['perRun'];
  if (job.side === 'engine') {
    const runs: NonNullable<DeviceMeasurement['perRun']> = [];
    let applied = 0;
    let rejected = 0;
    let crudMs = 0;
    let report: Awaited<ReturnType<typeof sync.runBackgroundSync>> | undefined;
    for (let i = 0; i < (job.runs ?? 1); i++) {
      const before = { bytes: meter.fileBytesStored, photos: meter.photosStored, signAt: meter.firstSignAt };
      const runStart = performance.now();
      if (i > 0) meter.firstSignAt = undefined;
      report = await sync.runBackgroundSync({
        budgetMs: job.budgetMs ?? UNBOUNDED_BUDGET_MS,
        trigger: job.budgetMs ? 'background' : 'manual',
      });
      runs.push({
        fileBytes: meter.fileBytesStored - before.bytes,
        photosStored: meter.photosStored - before.photos,
        firstSignAt: meter.firstSignAt === undefined ? null : meter.firstSignAt - runStart,
        outcome: report.outcome,
      });
      // The measurement's photo span starts at the first run's first signing request.
      if (i > 0) meter.firstSignAt = before.signAt ?? meter.firstSignAt;
      applied += report.counts['crud.applied'] ?? 0;
      rejected += report.counts['crud.rejected'] ?? 0;
      crudMs += report.phases
        .filter((p) => p.name === 'crud' || p.name === 'crud_after_photos')
        .reduce((n, p) => n + (p.durationMs ?? 0), 0);
    }
    if (job.runs) perRun = runs;
    outcome = report!.outcome;
    errors = report!.errors.map((e) => JSON.stringify(e));
    crud = { total: crudTotal, applied, rejected, ms: crudMs };
  } else {
    const result = await baselineRun({
      db,
      api: new ApiClient(ports),
      meter,
      photos,
      ...(job.windowMs !== undefined ? { windowMs: job.windowMs } : {}),
      ...(job.budgetMs !== undefined ? { budgetMs: job.budgetMs } : {}),
      ...(perRun ? { perRun } : {}),
    });
    outcome = result.outcome;
    errors = result.errors;
    windowed = result.outcome === 'window' || result.outcome === 'budget';
    crud = { total: crudTotal, ...result.crud, ms: result.crudMs };
  }
  const wallMs = performance.now() - started;
  clearInterval(progress);
  const peaks = memory?.stop();

  const measurement: DeviceMeasurement = {
    side: job.side,
    wallMs,
    requests: meter.requests,
    payloadBytes: meter.payloadBytes,
    crud,
    photos: {
      total: photos.length,
      stored: meter.photosStored,
      failedUploads: meter.uploadsFailed,
      fileBytes: meter.fileBytesStored,
      totalFileBytes,
    },
    ...(meter.firstSignAt !== undefined && meter.lastUploadAt !== undefined
      ? {
          photoSpan: { firstSignAt: meter.firstSignAt - started, lastUploadAt: meter.lastUploadAt - started },
        }
      : {}),
    windowed,
    ...(job.budgetMs !== undefined ? { budgetMs: job.budgetMs } : {}),
    ...(perRun ? { perRun } : {}),
    ...(meter.requests.upload > 0 && job.side === 'engine'
      ? { longestUploadSilenceMs: meter.longestSilenceMs }
      : {}),
    ...(peaks ? { memory: peaks } : {}),
    outcome,
    errors,
  };
  send({ type: 'result', measurement });
  await sync.close();
  await db.close();
}

main().then(
  () => process.disconnect?.(),
  (e: unknown) => {
    send({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    process.exitCode = 1;
    process.disconnect?.();
  },
);

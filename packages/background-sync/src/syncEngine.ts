// The engine's composition root: the one place its parts are wired, for one database — the API
// client, the one CrudUploader, the upload and run mutexes, the connector and the SyncController,
// the photo queue with the photo and download phases, and the sync health reporter. It exposes the
// run, the overview and the app-state hooks. Each platform brings only its ports (and its database):
// the app, the simulator, the bench and the tests all call createSyncEngine. Create one per database
// object (one per runtime — DESIGN departure 1).
import { ApiClient } from './apiClient';
import { BackendConnector } from './backendConnector';
import { CrudUploader, type CrudUploaderHooks } from './crudUploader';
import type { SyncDatabase } from './database';
import { createDownloadPhase, type DownloadPhaseOptions } from './downloadPhase';
import { Mutex } from './mutex';
import { createPhotoPhase } from './photoPhase';
import { PhotoAttachmentQueue, type PhotoQueueHooks } from './photoQueue';
import type { Ports } from './ports';
import { type RunEngine, type RunRequest, runBackgroundSync } from './runBackgroundSync';
import type { RunPhase } from './runPhase';
import type { RunReport } from './runReport';
import { DEFAULT_SETTINGS, type SyncSettings } from './settings';
import { SyncController } from './syncController';
import { SyncHealthReporter } from './syncHealthReporter';
import { getSyncOverview, type SyncOverview } from './syncOverview';

export interface RunPhases {
  photos?: RunPhase;
  download?: RunPhase;
}

/** The parts a phase may need at construction (the download phase takes holds on `controller`). */
export interface EngineParts {
  /** The photo queue (capture enqueues, the Sync screen retries; the photo phase drains it). */
  queue: PhotoAttachmentQueue;
  db: SyncDatabase;
  ports: Ports;
  settings: SyncSettings;
  api: ApiClient;
  controller: SyncController;
  connector: BackendConnector;
  uploader: CrudUploader;
  uploadMutex: Mutex;
}

export interface SyncEngineOptions {
  db: SyncDatabase;
  ports: Ports;
  settings?: Partial<SyncSettings>;
  /**
   * The download phase (step 5): by default the server's token route is asked whether a PowerSync
   * endpoint is configured; a platform built with one says so (`isEndpointConfigured`); `false`
   * leaves the phase out (a run that only uploads).
   */
  download?: false | Pick<DownloadPhaseOptions, 'isEndpointConfigured'>;
  /**
   * Replaces the photo and download phases (tests running a run with a scripted phase or none), or
   * a function building them from the engine's parts.
   */
  phases?: RunPhases | ((parts: EngineParts) => RunPhases);
  /** Passed to db.connect (SDK options such as retryDelayMs, crudUploadThrottleMs). */
  connectOptions?: Record<string, unknown>;
  /** Test hooks (named kill points). */
  hooks?: CrudUploaderHooks & PhotoQueueHooks;
  /** Uniform in [0, 1) for the photo queue's backoff jitter; injectable for tests. */
  random?: () => number;
}

export interface SyncEngine extends EngineParts {
  runBackgroundSync(request: RunRequest): Promise<RunReport>;
  getSyncOverview(): Promise<SyncOverview>;
  /** Aborts the active run, if any (it ends `aborted` within ~2 s). Returns whether one was active. */
  abortActiveRun(reason: string): boolean;
  /** The id of the run active in this runtime, or null. */
  readonly activeRunId: string | null;
  /**
   * The app's foreground state: active → abort a background run and hold the connection live;
   * background → release the foreground hold.
   */
  setAppActive(active: boolean): Promise<void>;
  /** Sign-out or shutdown: abort the active run and release every hold (disconnects). */
  close(): Promise<void>;
}

export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { db, ports, hooks } = options;
  const settings: SyncSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const api = new ApiClient(ports);
  const uploader = new CrudUploader({
    db,
    api,
    connectivity: ports.connectivity,
    clock: ports.clock,
    logger: ports.logger,
    settings,
    ...(hooks ? { hooks } : {}),
  });
  const uploadMutex = new Mutex();
  const runMutex = new Mutex();
  const connector = new BackendConnector({
    api,
    uploader,
    uploadMutex,
    logger: ports.logger,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
  const controller = new SyncController({
    db,
    connector,
    logger: ports.logger,
    disconnectTimeoutMs: settings.disconnectTimeoutMs,
    ...(options.connectOptions ? { connectOptions: options.connectOptions } : {}),
  });
  const queue = new PhotoAttachmentQueue({
    db,
    ports,
    settings,
    ...(hooks ? { hooks } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const parts: EngineParts = {
    queue,
    db,
    ports,
    settings,
    api,
    controller,
    connector,
    uploader,
    uploadMutex,
  };
  const phases =
    typeof options.phases === 'function'
      ? options.phases(parts)
      : (options.phases ?? defaultPhases(parts, options));

  const health = ports.device
    ? new SyncHealthReporter({
        db,
        api,
        device: ports.device,
        clock: ports.clock,
        logger: ports.logger,
        requestTimeoutMs: settings.requestTimeoutMs,
      })
    : null;

  let active: { runId: string; abort: (reason: string) => void } | null = null;
  const engine: RunEngine = {
    db,
    ports,
    settings,
    api,
    uploader,
    runMutex,
    uploadMutex,
    phases,
    ...(health ? { afterRun: (report, budget) => health.afterRun(report, budget) } : {}),
    setActive: (run) => {
      active = run;
    },
  };

  const abortActiveRun = (reason: string): boolean => {
    if (!active) return false;
    ports.logger.info('aborting the active run', { runId: active.runId, reason });
    active.abort(reason);
    return true;
  };

  return {
    ...parts,
    runBackgroundSync: (request) => runBackgroundSync(engine, request),
    getSyncOverview: () => getSyncOverview(db, { activeRunId: active?.runId ?? null }),
    abortActiveRun,
    get activeRunId() {
      return active?.runId ?? null;
    },
    async setAppActive(isActive) {
      if (isActive) {
        abortActiveRun('app_active');
        await controller.hold('foreground');
      } else {
        await controller.release('foreground');
      }
    },
    async close() {
      abortActiveRun('shutdown');
      await controller.releaseAll();
    },
  };
}

/** The photo phase over the engine's queue, and the download phase unless the platform leaves it out. */
function defaultPhases(parts: EngineParts, options: SyncEngineOptions): RunPhases {
  const photos = createPhotoPhase(parts.queue);
  if (options.download === false) return { photos };
  return {
    photos,
    download: createDownloadPhase({
      controller: parts.controller,
      uploader: parts.uploader,
      api: parts.api,
      ...options.download,
    }),
  };
}

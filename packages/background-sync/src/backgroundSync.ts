// The engine for one database: wires the API client, the one CrudUploader, the upload and run
// mutexes, the connector and the SyncController, and exposes the run, the overview and the
// app-state hooks. Create one per database object (one per runtime — DESIGN departure 1).
import { ApiClient } from './apiClient';
import { BackendConnector } from './backendConnector';
import { CrudUploader, type CrudUploaderHooks } from './crudUploader';
import type { SyncDatabase } from './database';
import { Mutex } from './mutex';
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
  db: SyncDatabase;
  ports: Ports;
  settings: SyncSettings;
  api: ApiClient;
  controller: SyncController;
  connector: BackendConnector;
  uploader: CrudUploader;
  uploadMutex: Mutex;
}

export interface BackgroundSyncOptions {
  db: SyncDatabase;
  ports: Ports;
  settings?: Partial<SyncSettings>;
  /** The photo and download phases, or a function building them from the engine's parts. */
  phases?: RunPhases | ((parts: EngineParts) => RunPhases);
  /** Passed to db.connect (SDK options such as retryDelayMs, crudUploadThrottleMs). */
  connectOptions?: Record<string, unknown>;
  /** Test hooks (named kill points). */
  hooks?: CrudUploaderHooks;
}

export interface BackgroundSync extends EngineParts {
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

export function createBackgroundSync(options: BackgroundSyncOptions): BackgroundSync {
  const { db, ports } = options;
  const settings: SyncSettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const api = new ApiClient(ports);
  const uploader = new CrudUploader({
    db,
    api,
    connectivity: ports.connectivity,
    clock: ports.clock,
    logger: ports.logger,
    settings,
    ...(options.hooks ? { hooks: options.hooks } : {}),
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
  const parts: EngineParts = { db, ports, settings, api, controller, connector, uploader, uploadMutex };
  const phases = typeof options.phases === 'function' ? options.phases(parts) : (options.phases ?? {});

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

// The app inside a device child process, running the Expo app's own lifecycle code from the engine
// (the same modules apps/mobile uses), on Node:
// - session → system ownership: the engine's SystemOwner, one system per runtime — one
//   @powersync/node database, one file per signed-in user (`vhd-<userId>.db`), the engine with the
//   Node ports, the photo phase and the download phase;
// - AppState: the engine's createAppLifecycle (policy on-background: leaving registers the task
//   and releases the foreground hold; coming back unregisters, aborts a background run, takes the
//   hold and runs a resume catch-up; short spells change nothing);
// - the background task body: the engine's runBackgroundTask with the budget the OS launch carries.
// Only the platform differs: register/unregister are IPC calls to the parent's OsScheduler.
// Every request leaves through the device's link emulator; the PowerSync endpoint the server names
// is reached through that same link (its gateway routes the sync paths to the PowerSync service).
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LogLevels, type PowerSyncDatabase, type PowerSyncLogger } from '@powersync/node';
import {
  type AppLifecycle,
  createAppLifecycle,
  createSyncEngine,
  createSystemOwner,
  listPhotoItems,
  listRejections,
  type PhotoAttachmentQueue,
  type RunReport,
  type RunRequest,
  type RunTrigger,
  runBackgroundTask,
  SYNCED_TABLES,
  type SyncDatabase,
  type SyncEngine,
  type SyncOverview,
  type SystemOwner,
  type UploadFilePort,
} from '@vhd/background-sync';
import {
  consoleLogger,
  createNodePorts,
  type NodePorts,
  nodeUploadFile,
  openNodeDatabase,
} from '@vhd/background-sync/node';
import { writePhoto } from '../photoFactory';
import { completeCrudBeforeAnswer, markSyncedBeforeStore } from './brokenEngines';
import { devSessionTokens } from './devSessionTokens';
import type {
  DeviceChildConfig,
  DeviceSnapshot,
  DeviceStatus,
  KillPoint,
  LocalPhoto,
  LocalWrite,
  PhotoSpec,
  TakePhoto,
  TakePhotoResult,
  WriteResult,
} from './protocol';
import { simDevicePort } from './simDevicePort';

/** What the app asks of the OS (expo-background-task), and what it tells its host about runs. */
export interface DeviceAppHost {
  registerTask(minimumIntervalMin: number): void;
  unregisterTask(): void;
  runStarted(seq: number, trigger: RunTrigger, budgetMs: number, tag?: string): void;
  runEnded(seq: number, report: RunReport): void;
  /** Called at an armed kill point; never returns (the process dies). */
  kill(point: KillPoint): never;
}

/** expo-background-task's minimumInterval, in minutes (DESIGN: 15 at least). */
const MINIMUM_INTERVAL_MIN = 15;
/** An aborted run ends within ~2 s (DESIGN departure 3); the resume catch-up waits for it that long. */
const ABORTED_RUN_GRACE_MS = 2_500;

interface PhotoSidecar {
  bytes: number;
  width: number;
  height: number;
}

/** One user's system, as the app's BackgroundSystem holds it. */
interface DeviceSystem {
  powersync: PowerSyncDatabase;
  ports: NodePorts;
  sync: SyncEngine;
}

export class DeviceApp {
  private appState: 'active' | 'background' = 'background';
  private runSeq = 0;
  private armed: { point: KillPoint; nth: number; seen: number } | undefined;
  /** Uploads that passed half their bytes (midPhotoUpload counts each file once). */
  private readonly halfSent = new Set<string>();
  private readonly lifecycle: AppLifecycle;

  private constructor(
    private readonly config: DeviceChildConfig,
    private readonly host: DeviceAppHost,
    private readonly owner: SystemOwner<DeviceSystem>,
    private readonly system: DeviceSystem,
  ) {
    const { sync, ports } = system;
    this.lifecycle = createAppLifecycle({
      // The engine, with each run reported to the host as it starts and ends.
      sync: {
        setAppActive: (active) => sync.setAppActive(active),
        runBackgroundSync: (request) => this.startRun(request, request.budgetMs),
        get activeRunId() {
          return sync.activeRunId;
        },
      },
      policy: 'on-background',
      register: async () => host.registerTask(MINIMUM_INTERVAL_MIN),
      unregister: async () => host.unregisterTask(),
      logger: ports.logger,
      clock: ports.clock,
      abortWaitMs: ABORTED_RUN_GRACE_MS,
      shortSpellMs: config.shortSpellMs ?? 0,
    });
  }

  private get powersync(): PowerSyncDatabase {
    return this.system.powersync;
  }

  private get ports(): NodePorts {
    return this.system.ports;
  }

  private get sync(): SyncEngine {
    return this.system.sync;
  }

  private get queue(): PhotoAttachmentQueue {
    return this.system.sync.queue;
  }

  /** The app's start: the signed-in user's system (opened on first use), then the initial AppState. */
  static async open(config: DeviceChildConfig, host: DeviceAppHost): Promise<DeviceApp> {
    // Late-bound so the ports can reach the app's kill switch.
    let app: DeviceApp | undefined;
    const owner = createSystemOwner<DeviceSystem>({
      open: (userId) => openSystem({ ...config, userId }, (point, detail) => app?.reached(point, detail)),
      async close(system) {
        await system.sync.close();
        await system.powersync.close();
      },
    });
    app = new DeviceApp(config, host, owner, await owner.systemFor(config.userId));
    app.appState = config.appState;
    await app.lifecycle.start(config.appState);
    return app;
  }

  /** _layout's AppState listener. */
  async setAppState(next: 'active' | 'background'): Promise<void> {
    this.appState = next;
    await this.lifecycle.onAppState(next);
  }

  /**
   * The background task body (trigger `background`: the app's task body, the session and the
   * system looked up as a launch does) or "sync now": one run with the budget given.
   */
  async runTask(budgetMs: number, trigger: RunTrigger, tag?: string): Promise<RunReport> {
    if (trigger !== 'background') return this.startRun({ budgetMs, trigger }, budgetMs, tag);
    let report: RunReport | undefined;
    const result = await runBackgroundTask({
      // Dev auth: the signed-in identity is on disk, like the app's secure store.
      loadSession: async () => ({ userId: this.config.userId }),
      systemFor: async (session) => {
        const system = await this.owner.systemFor(session.userId);
        if (system !== this.system) throw new Error('the runtime opened a second system for its user');
        return {
          sync: {
            runBackgroundSync: async (request) => (report = await this.startRun(request, budgetMs, tag)),
          },
        };
      },
      budgetMs,
      clock: this.ports.clock,
      logger: this.ports.logger,
    });
    if (!report) throw new Error(`the background task ended without a run (${result.outcome})`);
    return report;
  }

  /** One engine run, reported to the host with the budget the caller was given. */
  private startRun(request: RunRequest, reportedBudgetMs: number, tag?: string): Promise<RunReport> {
    const seq = ++this.runSeq;
    this.host.runStarted(seq, request.trigger, reportedBudgetMs, tag);
    return this.sync.runBackgroundSync(request).then((report) => {
      this.host.runEnded(seq, report);
      return report;
    });
  }

  /** One local write transaction, as the screens make them. */
  async write(changes: LocalWrite[]): Promise<WriteResult> {
    for (const c of changes) checkColumns(c);
    const applied = await this.powersync.writeTransaction(async (tx) => {
      const done: boolean[] = [];
      for (const c of changes) {
        if (c.op === 'insert') {
          const cols = Object.keys(c.values);
          await tx.execute(
            `INSERT INTO ${c.table} (id${cols.map((k) => `, ${k}`).join('')}) VALUES (?${', ?'.repeat(cols.length)})`,
            [c.id, ...cols.map((k) => c.values[k])],
          );
          done.push(true);
          continue;
        }
        const exists = await tx.getOptional(`SELECT 1 AS x FROM ${c.table} WHERE id = ?`, [c.id]);
        if (!exists) {
          done.push(false);
        } else if (c.op === 'update') {
          const cols = Object.keys(c.values);
          await tx.execute(`UPDATE ${c.table} SET ${cols.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`, [
            ...cols.map((k) => c.values[k]),
            c.id,
          ]);
          done.push(true);
        } else {
          await tx.execute(`DELETE FROM ${c.table} WHERE id = ?`, [c.id]);
          done.push(true);
        }
      }
      return done;
    });
    return { applied };
  }

  /** Camera roll: JPEGs of realistic sizes, generated once (a relaunch finds them on disk). */
  async prepareCameraRoll(photos: PhotoSpec[]): Promise<void> {
    for (const p of photos) {
      const path = join(this.config.cameraDir, p.file);
      if (existsSync(`${path}.json`)) continue;
      const written = await writePhoto(path, { seed: p.seed, targetBytes: p.targetBytes });
      const sidecar: PhotoSidecar = { bytes: written.bytes, width: written.width, height: written.height };
      await writeFile(`${path}.json`, JSON.stringify(sidecar));
    }
  }

  /** The capture screen: the camera's file goes to the queue (moved to photos/<id>.jpg). */
  async takePhoto(photo: TakePhoto): Promise<TakePhotoResult> {
    const source = join(this.config.cameraDir, photo.file);
    const sidecar = JSON.parse(await readFile(`${source}.json`, 'utf8')) as PhotoSidecar;
    await this.queue.enqueue({
      photoId: photo.photoId,
      sourcePath: source,
      mediaType: 'image/jpeg',
      scheduleId: photo.scheduleId,
      kind: photo.kind,
      orgId: this.config.orgId,
      width: sidecar.width,
      height: sidecar.height,
    });
    return sidecar;
  }

  /** The OS's word on the network (expo-network). */
  setNetwork(online: boolean, metered = false): void {
    this.ports.connectivity.set({ online, metered });
  }

  armKill(point: KillPoint | null, nth: number): void {
    this.armed = point ? { point, nth, seen: 0 } : undefined;
  }

  /** A kill point was reached: die there if armed for it. */
  private reached(point: KillPoint, detail?: string): void {
    const armed = this.armed;
    if (!armed || armed.point !== point) return;
    // midPhotoUpload fires on every chunk past half: count each file once.
    if (point === 'midPhotoUpload' && detail) {
      if (this.halfSent.has(detail)) return;
      this.halfSent.add(detail);
    }
    if (++armed.seen === armed.nth) this.host.kill(point);
  }

  async status(): Promise<DeviceStatus> {
    const status = this.powersync.currentStatus;
    const pending = await this.powersync.get<{ n: number }>('SELECT count(*) AS n FROM ps_crud');
    const rows: Record<string, number> = {};
    for (const table of Object.keys(SYNCED_TABLES)) {
      rows[table] = (await this.powersync.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).n;
    }
    return {
      appState: this.appState,
      pendingChanges: pending.n,
      photos: await this.queue.stats(),
      connected: status.connected,
      downloading: status.dataFlowStatus.downloading,
      lastSyncedAt: status.lastSyncedAt?.getTime() ?? null,
      activeRunId: this.sync.activeRunId,
      rows,
    };
  }

  overview(): Promise<SyncOverview> {
    return this.sync.getSyncOverview();
  }

  async snapshot(): Promise<DeviceSnapshot> {
    const db = this.powersync;
    const seq = await db.getOptional<{ seq: number }>(
      "SELECT seq FROM sqlite_sequence WHERE name = 'ps_crud'",
    );
    const pending = await db.getAll<{ id: number }>('SELECT id FROM ps_crud ORDER BY id');
    const rows: DeviceSnapshot['rows'] = {};
    for (const table of Object.keys(SYNCED_TABLES)) {
      rows[table] = await db.getAll<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY id`);
    }
    // The engine's queue, through its read API, in id order (a snapshot compares by id).
    const photos = (await listPhotoItems(db)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      clientId: await db.getClientId(),
      crudSeq: seq?.seq ?? 0,
      pendingChanges: pending.length,
      pendingOpIds: pending.map((p) => p.id),
      rows,
      photos: photos.map(
        (p): LocalPhoto => ({
          id: p.id,
          state: p.state,
          attempts: p.attempts,
          lastError: p.last_error,
          localPath: p.local_path,
          size: p.size,
        }),
      ),
      rejections: await listRejections(db),
      documentsDir: this.config.documentsDir,
    };
  }

  async close(): Promise<void> {
    this.lifecycle.stop();
    await this.owner.close();
  }
}

/** The app's createSystem: the user's database and the engine over the Node ports. */
async function openSystem(
  config: DeviceChildConfig,
  reached: (point: KillPoint, detail?: string) => void,
): Promise<DeviceSystem> {
  const logger = consoleLogger(config.logLevel ?? 'warn', config.name);
  const powersync = await openNodeDatabase({
    path: join(config.documentsDir, `vhd-${config.userId}.db`),
    logger: sdkLogger(config.logLevel ?? 'warn', config.name),
  });
  const requestTimeoutMs = config.settings?.requestTimeoutMs ?? 30_000;
  const tokens = devSessionTokens({
    apiUrl: config.apiUrl,
    userId: config.userId,
    orgId: config.orgId,
    timeoutMs: requestTimeoutMs,
    ...(config.tokenTtlSec ? { ttlSec: config.tokenTtlSec } : {}),
    ...(config.staleTokens ? { stale: true } : {}),
  });
  const viaLink = throughLink(config);
  const upload: UploadFilePort = (path, url, fields, signal, onProgress) =>
    nodeUploadFile(path, viaLink(url), fields, signal, (sent, total) => {
      onProgress?.(sent, total);
      if (total > 0 && sent >= total / 2) reached('midPhotoUpload', path);
    });
  const engineDb: SyncDatabase =
    config.broken === 'crud-complete-before-answer' ? completeCrudBeforeAnswer(powersync) : powersync;
  const ports = createNodePorts({
    apiUrl: config.apiUrl,
    documentsDir: config.documentsDir,
    getToken: (o) => tokens.getToken(o),
    connectivity: { online: config.online, metered: false },
    device: simDevicePort(config),
    logger,
    uploadFile:
      config.broken === 'photo-synced-before-store' ? markSyncedBeforeStore(powersync, upload) : upload,
  });
  const sync = createSyncEngine({
    db: engineDb,
    ports,
    ...(config.settings ? { settings: config.settings } : {}),
    ...(config.connectOptions ? { connectOptions: config.connectOptions } : {}),
    hooks: {
      afterServerApplied: () => reached('afterServerApplied'),
      afterStoreSaved: () => reached('afterStoreSaved'),
    },
  });
  // The phone reaches the PowerSync service through its own radio too.
  const fetchCredentials = sync.connector.fetchCredentials.bind(sync.connector);
  sync.connector.fetchCredentials = async () => {
    const credentials = await fetchCredentials();
    return credentials && { ...credentials, endpoint: viaLink(credentials.endpoint) };
  };
  return { powersync, ports, sync };
}

/** Maps a backend URL onto the device's link (its gateway routes by path to the server or the service). */
function throughLink(config: DeviceChildConfig): (url: string) => string {
  const origins = config.backendOrigins.map((o) => new URL(o).origin);
  return (url) => {
    const u = new URL(url);
    if (!origins.includes(u.origin)) return url;
    return `${config.apiUrl}${u.pathname}${u.search}`.replace(/\/+$/, '');
  };
}

function checkColumns(change: LocalWrite): void {
  const table = SYNCED_TABLES[change.table as keyof typeof SYNCED_TABLES];
  if (!table) throw new Error(`unknown table "${change.table}"`);
  if (change.op === 'delete') return;
  for (const k of Object.keys(change.values)) {
    if (!(k in table.columns)) throw new Error(`unknown column ${change.table}.${k}`);
  }
}

function sdkLogger(level: string, name: string): PowerSyncLogger {
  const min = LogLevels[level as keyof typeof LogLevels] ?? LogLevels.warn;
  return {
    log(record) {
      if (level === 'silent' || record.level < min) return;
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), name: `${name}/powersync`, level: record.level, msg: record.message, error: record.error ? String(record.error) : undefined })}\n`,
      );
    },
  };
}

// The backend of a simulation on embedded defaults: our server (dev auth, dev media store; PGlite in
// a temporary DATA_DIR, or Postgres) with the PowerSync test double as its POWERSYNC_URL, replication
// from Postgres into the double, and one gateway per device (its view of the backend, with faults).
// The server runs in this process, or — for trials that SIGKILL it — in a supervised child process.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { createPowerSyncDouble, type PowerSyncDouble, type ReplicationLag } from '@vhd/powersync-double';
import {
  buildApp,
  type Config,
  createDb,
  type Db,
  loadConfig,
  migrate,
  pgliteDriver,
  type Queryable,
} from '@vhd/server';
import { AssetFiles, freePort } from '@vhd/server/testing';
import { DeviceGateway } from './deviceGateway';
import { Office } from './office';
import { Replicator } from './replicator';
import { ServerProcess } from './serverProcess';

/** What the simulation asks of the server's database. */
export type SimDb = Pick<Queryable, 'query'>;

export interface SimBackendOptions {
  /** Server DATA_DIR; default a temporary folder removed on close. */
  dataDir?: string;
  /** PGlite on disk under DATA_DIR (default), or in memory (faster to start; in-process only). */
  database?: 'disk' | 'memory';
  logLevel?: Config['logLevel'];
  /** Period of the replication pass that picks up changes no upload announced (webhooks). */
  replicateEveryMs?: number;
  /** The double's replication lag (default its own: 50–150 ms, like the real service). */
  replicationLagMs?: ReplicationLag;
  /** The server's clock for sync health and the office page (the simulation's clock in the demo). */
  now?: () => number;
  /** The server's port (default: a free one). */
  port?: number;
  /**
   * Run the server in a child process that can be SIGKILLed (`backend.process`) and is restarted on
   * the same data: PGlite under DATA_DIR, or the Postgres database `databaseUrl`.
   */
  serverProcess?: { databaseUrl?: string };
  /** The dev media store's file size limit (default the server's: Cloudinary's Free plan, 10 MiB). */
  mediaMaxBytes?: number;
}

/** The server as the simulation sees it. */
interface SimServer {
  db: SimDb;
  publicUrl: string;
  /** Times the dev media store wrote each public id's bytes, over every incarnation of the server. */
  storedCounts(): Promise<Record<string, number>>;
  /** The dev media store's file size limit. */
  mediaMaxBytes(): Promise<number>;
  notificationsIdle(): Promise<void>;
  close(): Promise<void>;
}

export class SimBackend {
  private readonly orgs = new Set<string>();
  private readonly gateways = new Set<DeviceGateway>();
  private readonly ticker: NodeJS.Timeout;
  private readonly files: AssetFiles;

  private constructor(
    private readonly server: SimServer,
    /** The server's process when it runs in a child (SIGKILL, fault points), else null. */
    readonly process: ServerProcess | null,
    readonly double: PowerSyncDouble,
    readonly replicator: Replicator,
    readonly url: string,
    readonly dataDir: string,
    private readonly ownDataDir: boolean,
    replicateEveryMs: number,
    /** The dev media store's file size limit. */
    readonly mediaMaxBytes: number,
  ) {
    this.files = new AssetFiles(join(dataDir, 'media'));
    this.ticker = setInterval(() => {
      for (const org of this.orgs) void this.replicator.replicate(org).catch(() => {});
    }, replicateEveryMs);
    this.ticker.unref();
  }

  static async start(options: SimBackendOptions = {}): Promise<SimBackend> {
    const ownDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'vhd-sim-')));
    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const probe = loadConfig({ DATA_DIR: dataDir });
    // The double verifies the server's PowerSync tokens against the server's JWKS (fetched on use).
    const double = await createPowerSyncDouble({
      jwksUrl: `${url}/.well-known/jwks.json`,
      audience: probe.powersyncJwtAudience,
      ...(options.replicationLagMs === undefined ? {} : { replicationLagMs: options.replicationLagMs }),
    });
    let server: SimServer | undefined;
    let child: ServerProcess | null = null;
    try {
      if (options.serverProcess) {
        child = await ServerProcess.start({
          dataDir,
          port,
          powersyncUrl: double.url,
          ...(options.serverProcess.databaseUrl ? { databaseUrl: options.serverProcess.databaseUrl } : {}),
          ...(options.logLevel ? { logLevel: options.logLevel } : {}),
          ...(options.mediaMaxBytes ? { mediaMaxBytes: options.mediaMaxBytes } : {}),
        });
        server = childServer(child);
      } else {
        server = await inProcessServer(options, dataDir, port, double.url);
      }
      return new SimBackend(
        server,
        child,
        double,
        new Replicator(server.db, double),
        url,
        dataDir,
        ownDataDir,
        options.replicateEveryMs ?? 1_000,
        await server.mediaMaxBytes(),
      );
    } catch (e) {
      await server?.close();
      await double.close();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
      throw e;
    }
  }

  get db(): SimDb {
    return this.server.db;
  }

  /**
   * Times the media store wrote each public id's bytes (over every server restart). A SIGKILL can
   * land after an asset was written and before its trace line: an asset on disk counts once at least.
   */
  async storedCounts(): Promise<Record<string, number>> {
    const counts = await this.server.storedCounts();
    const assets = join(this.dataDir, 'media', 'assets');
    const files = await readdir(assets, { recursive: true }).catch(() => [] as string[]);
    for (const file of files) {
      if (!file.endsWith('.json')) continue;
      const publicId = file.slice(0, -'.json'.length).split(sep).join('/');
      counts[publicId] = Math.max(1, counts[publicId] ?? 0);
    }
    return counts;
  }

  /** Where the media store keeps a public id's bytes. */
  mediaFile(publicId: string): string {
    return this.files.dataPath(publicId);
  }

  /** Origins of absolute URLs the backend hands to devices (signed upload URLs, the PowerSync endpoint). */
  get origins(): string[] {
    return [this.server.publicUrl, this.double.url];
  }

  /** A device's gateway; its organization is replicated from now on. */
  async startGateway(orgId: string): Promise<DeviceGateway> {
    this.orgs.add(orgId);
    const gateway = await DeviceGateway.start({
      server: this.url,
      powersync: this.double.url,
      beforeUploadAnswer: () => this.replicator.replicate(orgId),
    });
    this.gateways.add(gateway);
    return gateway;
  }

  office(orgId: string, name = 'office'): Office {
    this.orgs.add(orgId);
    return new Office(this.db, this.replicator, orgId, name);
  }

  /** Stops replicating an organization (a finished trial). */
  forget(orgId: string): void {
    this.orgs.delete(orgId);
  }

  /** The server is up, every webhook delivered and every organization replicated, past the lag: the backend is quiet. */
  async settle(): Promise<void> {
    await this.process?.up();
    await this.server.notificationsIdle();
    await Promise.all([...this.orgs].map((org) => this.replicator.replicate(org)));
    await this.double.replicated();
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    await Promise.all([...this.gateways].map((g) => g.close()));
    await this.server.close();
    await this.double.close();
    if (this.ownDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

async function inProcessServer(
  options: SimBackendOptions,
  dataDir: string,
  port: number,
  powersyncUrl: string,
): Promise<SimServer> {
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(port),
    POWERSYNC_URL: powersyncUrl,
    LOG_LEVEL: options.logLevel ?? 'silent',
    NODE_ENV: 'development',
    ...(options.mediaMaxBytes ? { MEDIA_MAX_BYTES: String(options.mediaMaxBytes) } : {}),
  });
  const db = options.database === 'memory' ? await memoryDb() : undefined;
  const app = await buildApp({ config, ...(db ? { db } : {}), ...(options.now ? { now: options.now } : {}) });
  if (db) app.addHook('onClose', () => db.close());
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (e) {
    await app.close();
    throw e;
  }
  const media = app.devMediaStore;
  if (!media) throw new Error('the simulation needs the dev media store (no CLOUDINARY_URL)');
  return {
    db: app.db,
    publicUrl: config.publicUrl,
    storedCounts: async () => media.stats().stored,
    mediaMaxBytes: async () => (await media.limits()).maxBytes,
    notificationsIdle: () => media.notificationsIdle(),
    close: () => app.close(),
  };
}

function childServer(child: ServerProcess): SimServer {
  return {
    db: { query: (sql, params) => child.query(sql, params) },
    publicUrl: child.url,
    storedCounts: async () => (await child.trace())['media.stored'] ?? {},
    mediaMaxBytes: () => child.mediaMaxBytes(),
    notificationsIdle: () => child.notificationsIdle(),
    close: () => child.close(),
  };
}

async function memoryDb(): Promise<Db> {
  const db = createDb(await pgliteDriver('memory'));
  await migrate(db);
  return db;
}

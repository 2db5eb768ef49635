// The backend of a simulation on embedded defaults: our server (PGlite in a temporary DATA_DIR, dev
// auth, dev media store) with the PowerSync test double as its POWERSYNC_URL, replication from
// Postgres into the double, and one gateway per device (its view of the backend, with faults).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPowerSyncDouble, type PowerSyncDouble, type ReplicationLag } from '@vhd/powersync-double';
import { buildApp, type Config, createDb, type Db, loadConfig, migrate, pgliteDriver } from '@vhd/server';
import { freePort } from '@vhd/server/testing';
import { DeviceGateway } from './deviceGateway';
import { Office } from './office';
import { Replicator } from './replicator';

export interface SimBackendOptions {
  /** Server DATA_DIR; default a temporary folder removed on close. */
  dataDir?: string;
  /** PGlite on disk under DATA_DIR (default), or in memory (faster to start; trials). */
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
}

type ServerApp = Awaited<ReturnType<typeof buildApp>>;
type DevMediaStore = NonNullable<ServerApp['devMediaStore']>;

export class SimBackend {
  private readonly orgs = new Set<string>();
  private readonly gateways = new Set<DeviceGateway>();
  private readonly ticker: NodeJS.Timeout;

  private constructor(
    readonly app: ServerApp,
    readonly double: PowerSyncDouble,
    readonly replicator: Replicator,
    readonly url: string,
    private readonly dataDir: string,
    private readonly ownDataDir: boolean,
    replicateEveryMs: number,
  ) {
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
    let app: ServerApp | undefined;
    try {
      const config = loadConfig({
        DATA_DIR: dataDir,
        PORT: String(port),
        POWERSYNC_URL: double.url,
        LOG_LEVEL: options.logLevel ?? 'silent',
        NODE_ENV: 'development',
      });
      const db = options.database === 'memory' ? await memoryDb() : undefined;
      app = await buildApp({ config, ...(db ? { db } : {}), ...(options.now ? { now: options.now } : {}) });
      if (db) app.addHook('onClose', () => db.close());
      await app.listen({ port, host: '127.0.0.1' });
      const replicator = new Replicator(app.db, double);
      return new SimBackend(
        app,
        double,
        replicator,
        url,
        dataDir,
        ownDataDir,
        options.replicateEveryMs ?? 1_000,
      );
    } catch (e) {
      await app?.close();
      await double.close();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
      throw e;
    }
  }

  get db(): Db {
    return this.app.db;
  }

  get media(): DevMediaStore {
    const store = this.app.devMediaStore;
    if (!store) throw new Error('the simulation needs the dev media store (no CLOUDINARY_URL)');
    return store;
  }

  /** Origins of absolute URLs the backend hands to devices (signed upload URLs, the PowerSync endpoint). */
  get origins(): string[] {
    return [this.app.config.publicUrl, this.double.url];
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

  /** Every webhook delivered and every organization replicated, past the lag: the backend is quiet. */
  async settle(): Promise<void> {
    await this.media.notificationsIdle();
    await Promise.all([...this.orgs].map((org) => this.replicator.replicate(org)));
    await this.double.replicated();
  }

  async close(): Promise<void> {
    clearInterval(this.ticker);
    await Promise.all([...this.gateways].map((g) => g.close()));
    await this.app.close();
    await this.double.close();
    if (this.ownDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

async function memoryDb(): Promise<Db> {
  const db = createDb(await pgliteDriver('memory'));
  await migrate(db);
  return db;
}

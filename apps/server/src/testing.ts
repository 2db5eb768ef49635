// Test support for every package that needs a real server: each TestServer has its own fresh
// database (PGlite in memory, or a throwaway database on the TEST_DATABASE_URL cluster) and its
// own temporary DATA_DIR, and really listens on 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from './app';
import { DEV_KEY_FILE, loadDevKey } from './auth/devKey';
import { mintDevSessionToken } from './auth/devTokens';
import { type Config, loadConfig } from './config';
import { createDb } from './db/database';
import { migrate, readMigrations } from './db/migrate';
import { pgliteDriver } from './db/pglite';
import { postgresDriver } from './db/postgres';
import type { Db } from './db/types';

export {
  armFaultPoint,
  disarmFaultPoints,
  FAULT_POINTS,
  FAULT_POINTS_ENV,
  type FaultAction,
  type FaultPointName,
} from './faultPoints';
export { AssetFiles } from './media/assetFiles';

export type TestBackend = 'pglite' | 'postgres';

/** ['pglite'] plus 'postgres' when TEST_DATABASE_URL is set; throws when CI is set and it is not. */
export function testBackends(): TestBackend[] {
  if (process.env.TEST_DATABASE_URL) return ['pglite', 'postgres'];
  if (process.env.CI)
    throw new Error('CI is set but TEST_DATABASE_URL is not: server suites must also run on Postgres');
  return ['pglite'];
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  db: Db;
  config: Config;
  /** The Postgres database's URL (another process or pool can open it); null on PGlite. */
  databaseUrl: string | null;
  /** A dev-auth session token (Clerk-shaped) for user/org; defaults: random user, org 'org_test'. */
  mintToken(opts?: {
    userId?: string;
    orgId?: string | null;
    expiresInSec?: number;
    /** `azp`; default: the first of CLERK_AUTHORIZED_PARTIES, null for none. */
    authorizedParty?: string | null;
  }): Promise<string>;
  close(): Promise<void>;
}

// Creating PGlite and migrating costs ~1.5 s; loading a migrated dump ~0.4 s. The dump is made once
// per set of migrations and kept in the temp directory for the next test processes.
let pgliteTemplate: Promise<Blob> | undefined;
function migratedPgliteDump(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const migrations = await readMigrations();
    const hash = createHash('sha256').update(JSON.stringify(migrations)).digest('hex').slice(0, 16);
    const file = join(tmpdir(), `vhd-pglite-template-${hash}.tar`);
    try {
      return new Blob([await readFile(file)]);
    } catch {
      const driver = await pgliteDriver('memory');
      await migrate(createDb(driver), migrations);
      const dump = await driver.pglite.dumpDataDir('none');
      await driver.close();
      const partial = `${file}.${process.pid}`;
      await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
      await rename(partial, file);
      return dump;
    }
  })();
  return pgliteTemplate;
}

// Generating an RSA key takes a while on a busy machine: test servers share one per process.
let devKeyFile: Promise<string> | undefined;
async function seedDevKey(dataDir: string): Promise<void> {
  devKeyFile ??= mkdtemp(join(tmpdir(), 'vhd-dev-key-')).then(async (dir) => {
    await loadDevKey(dir);
    return join(dir, DEV_KEY_FILE);
  });
  await copyFile(await devKeyFile, join(dataDir, DEV_KEY_FILE));
}

/** A fresh migrated database of the backend (in-process tests that need no server). */
export async function testDatabase(
  backend: TestBackend,
): Promise<{ db: Db; url: string | null; drop(): Promise<void> }> {
  if (backend === 'pglite') {
    const db = createDb(await pgliteDriver({ loadDataDir: await migratedPgliteDump() }));
    return { db, url: null, drop: async () => {} };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('The postgres test backend needs TEST_DATABASE_URL');
  const name = `vhd_test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDb(postgresDriver(url.toString(), 5));
  await migrate(db);
  return { db, url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

function peerDatabase(first: TestServer): { db: Db; url: string | null; drop(): Promise<void> } {
  if (!first.databaseUrl)
    return { db: { ...first.db, close: async () => {} }, url: null, drop: async () => {} };
  return { db: createDb(postgresDriver(first.databaseUrl, 5)), url: first.databaseUrl, drop: async () => {} };
}

/** A loopback port that was free a moment ago (for a server that must know its URL before listening). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A test server on its own fresh database — or, with `peerOf`, a second instance of that server: on
 * the same database (its own pool on Postgres; the same in-process PGlite) and the same dev-auth
 * key, as instances behind a load balancer are. Closing a peer leaves the database to its first.
 */
export async function startTestServer(
  opts: { backend?: TestBackend; config?: Partial<Config>; now?: () => number; peerOf?: TestServer } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vhd-server-test-'));
  await seedDevKey(dataDir);
  const {
    db,
    url: databaseUrl,
    drop,
  } = opts.peerOf ? peerDatabase(opts.peerOf) : await testDatabase(opts.backend ?? 'pglite');
  let app: FastifyInstance | undefined;
  try {
    // Chosen before building so PUBLIC_URL (notification URLs, dev media URLs) names the real port.
    const port = opts.config?.port || (await freePort());
    const config: Config = {
      ...loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' }),
      port,
      // Instances behind one load balancer share its public URL (dev auth's token issuer too).
      publicUrl: opts.peerOf?.config.publicUrl ?? `http://127.0.0.1:${port}`,
      ...opts.config,
    };
    app = await buildApp({ config, db, ...(opts.now ? { now: opts.now } : {}) });
    await app.listen({ port, host: '127.0.0.1' });
    const devKey = config.clerkJwtKey ? null : await loadDevKey(config.dataDir);
    const served = app;
    const authorizedParty = (asked: string | null | undefined) =>
      asked === undefined ? config.clerkAuthorizedParties[0] : (asked ?? undefined);
    return {
      url: `http://127.0.0.1:${port}`,
      app,
      db,
      config,
      databaseUrl,
      async mintToken(o = {}) {
        if (!devKey) throw new Error('mintToken needs dev auth: this server was given CLERK_JWT_KEY');
        return mintDevSessionToken(devKey, `${config.publicUrl}/dev`, {
          userId: o.userId ?? `user_${randomBytes(6).toString('hex')}`,
          orgId: o.orgId === undefined ? 'org_test' : o.orgId,
          ...(o.expiresInSec === undefined ? {} : { expiresInSec: o.expiresInSec }),
          ...(authorizedParty(o.authorizedParty)
            ? { authorizedParty: authorizedParty(o.authorizedParty)! }
            : {}),
        });
      },
      async close() {
        await served.close();
        await db.close();
        await drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await app?.close();
    await db.close();
    await drop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

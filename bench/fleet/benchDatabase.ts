// The database a load run's server uses: a throwaway database on a Postgres cluster, or a PGlite
// data directory. The bench opens it itself before the server starts (migrations, seeding) and after
// (the row check); PGlite is one process's, so it is never open here while the server runs.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Db, openDb, postgresDriver } from '@vhd/server';

export type Backend = 'postgres' | 'pglite';

export interface BenchDatabase {
  backend: Backend;
  /** The server's DATA_DIR (PGlite data, the shared dev-auth key). */
  dataDir: string;
  databaseUrl?: string;
  open(): Promise<Db>;
  drop(): Promise<void>;
}

async function admin(adminUrl: string, sql: string) {
  const db = createDb(postgresDriver(adminUrl, 1));
  try {
    return await db.query(sql);
  } finally {
    await db.close();
  }
}

export async function createBenchDatabase(backend: Backend, adminUrl?: string): Promise<BenchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vhd-fleet-'));
  if (backend === 'pglite') {
    return {
      backend,
      dataDir,
      open: () => openDb({ dataDir }),
      drop: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  if (!adminUrl) throw new Error('the postgres backend needs DATABASE_URL (or TEST_DATABASE_URL)');
  const name = `vhd_fleet_${randomBytes(5).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    backend,
    dataDir,
    databaseUrl,
    open: () => openDb({ databaseUrl, dataDir }),
    async drop() {
      await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Server settings that shape the figures (a throwaway test cluster may run with fsync off). */
export async function postgresSettings(adminUrl: string): Promise<Record<string, string>> {
  const { rows } = await admin(
    adminUrl,
    `SELECT name, setting FROM pg_settings
     WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'max_connections', 'shared_buffers')`,
  );
  return Object.fromEntries(rows.map((r) => [r.name as string, r.setting as string]));
}

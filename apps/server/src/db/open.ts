import { join } from 'node:path';
import { createDb } from './database';
import { migrate } from './migrate';
import { pgliteDriver } from './pglite';
import { postgresDriver } from './postgres';
import type { Db } from './types';

/** Opens the configured database (Postgres with a URL, else PGlite under DATA_DIR) and migrates it. */
export async function openDb(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  databasePoolMax?: number;
}): Promise<Db> {
  const db = createDb(
    opts.databaseUrl
      ? postgresDriver(opts.databaseUrl, opts.databasePoolMax)
      : await pgliteDriver({ dataDir: join(opts.dataDir, 'pglite') }),
  );
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

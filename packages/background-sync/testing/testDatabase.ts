// Test support: a @powersync/node database with the app schema on a temp file (readWorkerCount 1:
// faster to open, enough for tests). Reused by other packages' tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PowerSyncDatabase } from '@powersync/node';
import { openNodeDatabase } from '../node/nodeDatabase';
import type { SyncDatabase } from '../src/database';

export interface TestDatabase {
  /** The SDK object (satisfies the engine's SyncDatabase). */
  db: PowerSyncDatabase;
  /** The same object typed as the engine sees it. */
  syncDb: SyncDatabase;
  dir: string;
  path: string;
  /** Closes the database; removes the temp folder if this helper created it. */
  close(): Promise<void>;
}

/** Opens (creating if needed) `<dir>/<filename>`; without `dir`, a fresh temp folder. */
export async function openTestDatabase(
  options: { dir?: string; filename?: string } = {},
): Promise<TestDatabase> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'vhd-bs-')));
  const path = join(dir, options.filename ?? 'test.db');
  const db = await openNodeDatabase({ path, readWorkerCount: 1 });
  const syncDb: SyncDatabase = db;
  let closed = false;
  return {
    db,
    syncDb,
    dir,
    path,
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { PARSERS } from './parsers';
import type { Driver, QueryResult, Session } from './types';

type Target = { dataDir: string } | { loadDataDir: Blob } | 'memory';

/** PGlite (embedded Postgres in WebAssembly): on disk under `dataDir`, in memory, or from a dump. */
export async function pgliteDriver(target: Target): Promise<Driver & { pglite: PGlite }> {
  const options: PGliteOptions = { parsers: PARSERS };
  let release = async () => {};
  if (target !== 'memory' && 'dataDir' in target) {
    await mkdir(target.dataDir, { recursive: true });
    release = await claimDataDir(target.dataDir);
    options.dataDir = target.dataDir;
  } else if (target !== 'memory') {
    options.loadDataDir = target.loadDataDir;
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(options);
    await pglite.exec("SET TIME ZONE 'UTC'");
  } catch (err) {
    await release();
    if (!options.dataDir) throw err;
    throw new Error(
      `PGlite could not open its data directory ${options.dataDir}: ${(err as Error).message}. ` +
        'Nothing was changed; restore the directory from a backup or move it aside to start empty.',
      { cause: err },
    );
  }

  const over = (q: Pick<PGlite, 'query' | 'exec'>): Session => ({
    async query(sql, params) {
      const result = await q.query<Record<string, unknown>>(sql, params as unknown[] | undefined);
      return {
        rows: result.rows,
        rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length,
      } satisfies QueryResult;
    },
    async exec(sql) {
      await q.exec(sql);
    },
  });

  return {
    kind: 'pglite',
    pglite,
    ...over(pglite),
    transaction(fn, onControl) {
      // PGlite is one connection: its transaction() sends BEGIN/COMMIT/ROLLBACK and holds other callers back.
      onControl('BEGIN');
      return pglite.transaction(async (t) => {
        try {
          const result = await fn(over(t));
          onControl('COMMIT');
          return result;
        } catch (err) {
          onControl('ROLLBACK');
          throw err;
        }
      });
    },
    close: async () => {
      await pglite.close();
      await release();
    },
  };
}

const OWNER_FILE = 'vhd-owner.pid';

/**
 * PGlite does not lock its data directory, and two processes on one directory abort or corrupt it
 * (seen here when a restart raced the old process). A pid file claims the directory; one left by a
 * process that died (a SIGKILL) is taken over, since PGlite itself reopens cleanly after a kill.
 */
async function claimDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, OWNER_FILE);
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (owner > 0 && owner !== process.pid && processAlive(owner)) {
      throw new Error(
        `PGlite data directory ${dataDir} is in use by process ${owner}; PGlite cannot share a directory between processes`,
      );
    }
    await rm(file, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

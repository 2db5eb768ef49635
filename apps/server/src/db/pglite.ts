import { mkdir } from 'node:fs/promises';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { PARSERS } from './parsers';
import type { Driver, QueryResult, Session } from './types';

type Target = { dataDir: string } | { loadDataDir: Blob } | 'memory';

/** PGlite (embedded Postgres in WebAssembly): on disk under `dataDir`, in memory, or from a dump. */
export async function pgliteDriver(target: Target): Promise<Driver & { pglite: PGlite }> {
  const options: PGliteOptions = { parsers: PARSERS };
  if (target !== 'memory' && 'dataDir' in target) {
    await mkdir(target.dataDir, { recursive: true });
    options.dataDir = target.dataDir;
  } else if (target !== 'memory') {
    options.loadDataDir = target.loadDataDir;
  }
  const pglite = await PGlite.create(options);
  await pglite.exec("SET TIME ZONE 'UTC'");

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
    close: () => pglite.close(),
  };
}

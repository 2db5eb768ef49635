// The database of the in-process upload tests: on PGlite, one per test worker, kept on globalThis.
// Each test makes its own organization, client and rows, so the tests may share it. Mutation testing
// (vitest.mutation.config.ts: isolate false) reruns these files hundreds of times in one worker:
// loading PGlite for each run would cost more than the tests themselves. On Postgres, one database
// per file, dropped after it.
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '../../src/db/types';
import { type TestBackend, testDatabase } from '../../src/testing';

const cache = globalThis as { vhdUploadTestDb?: Promise<Db> };

async function sharedPglite(): Promise<Db> {
  const cached = await cache.vhdUploadTestDb;
  // A run that died mid-transaction may have left it unusable: then a fresh one.
  if (
    cached &&
    (await cached.query('SELECT 1').then(
      () => true,
      () => false,
    ))
  )
    return cached;
  cache.vhdUploadTestDb = testDatabase('pglite').then((t) => t.db);
  return cache.vhdUploadTestDb;
}

/** The backend's database for this file's tests (read it inside tests and hooks). */
export function useUploadTestDatabase(backend: TestBackend): { readonly db: Db } {
  const holder = { db: undefined as unknown as Db };
  let drop = async () => {};
  beforeAll(async () => {
    if (backend === 'pglite') {
      holder.db = await sharedPglite();
      return;
    }
    const t = await testDatabase(backend);
    holder.db = t.db;
    drop = async () => {
      await t.db.close();
      await t.drop();
    };
  });
  afterAll(() => drop());
  return holder;
}

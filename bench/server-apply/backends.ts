import type { TestBackend } from '@vhd/server/testing';

export const progress = (line: string) => process.stderr.write(`${line}\n`);

/** PGlite always; Postgres too when `DATABASE_URL` names one (the server's test backends read it). */
export function backendsToBench(): TestBackend[] {
  if (!process.env.DATABASE_URL) {
    progress('DATABASE_URL is not set: PGlite only');
    return ['pglite'];
  }
  process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL;
  return ['pglite', 'postgres'];
}

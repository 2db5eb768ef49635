// PGlite on disk after its process is SIGKILLed: it reopens with every committed row, and a second
// process opening a directory still in use is refused with a clear message instead of aborting.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../src/db/database';
import { pgliteDriver } from '../src/db/pglite';

const WRITER = join(import.meta.dirname, 'support', 'pgliteWriter.ts');

/** Starts the writer; resolves once it has committed `atLeast` rows more, with the last one acknowledged. */
function writer(dataDir: string): { child: ChildProcess; committed: (atLeast: number) => Promise<number> } {
  const child = fork(WRITER, [dataDir], { execArgv: ['--import', 'tsx'], stdio: 'pipe' });
  let last = 0;
  let seen = 0;
  const waiters: Array<() => void> = [];
  child.on('message', (n) => {
    last = Number(n);
    seen++;
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    committed: (atLeast) =>
      new Promise((resolve, reject) => {
        const target = seen + atLeast;
        child.once('exit', (code) => reject(new Error(`writer exited (${code})`)));
        const check = () => (seen >= target ? resolve(last) : waiters.push(check));
        check();
      }),
  };
}

async function killed(child: ChildProcess): Promise<void> {
  const exit = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exit;
}

describe('PGlite on disk', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('reopens after SIGKILLs with every committed row', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'vhd-pglite-kill-'));
    dirs.push(dataDir);
    let acknowledged = 0;
    for (let round = 0; round < 3; round++) {
      const w = writer(dataDir);
      acknowledged = await w.committed(50 + round * 37);
      await killed(w.child);
    }
    const db = createDb(await pgliteDriver({ dataDir }));
    const { rows } = await db.query<{ n: number; last: number }>(
      'SELECT count(*)::int AS n, max(n) AS last FROM counted',
    );
    await db.close();
    // Every acknowledged row is there, with no gap (rows past it committed before the kill landed).
    expect(rows[0]!.last).toBeGreaterThanOrEqual(acknowledged);
    expect(rows[0]!.n).toBe(rows[0]!.last);
  });

  it('refuses a directory another live process has open, naming it', { timeout: 60_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'vhd-pglite-busy-'));
    dirs.push(dataDir);
    const w = writer(dataDir);
    try {
      await w.committed(1);
      await expect(pgliteDriver({ dataDir })).rejects.toThrow(new RegExp(`in use by process ${w.child.pid}`));
    } finally {
      await killed(w.child);
    }
    // Once that process is gone (killed), the directory opens again.
    const db = createDb(await pgliteDriver({ dataDir }));
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await db.close();
  });
});

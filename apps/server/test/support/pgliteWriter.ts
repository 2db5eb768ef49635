// A process that commits rows to a PGlite data directory one at a time and tells its parent each
// committed number (the parent SIGKILLs it mid-stream: see pgliteCrash.test.ts).
import { createDb } from '../../src/db/database';
import { pgliteDriver } from '../../src/db/pglite';

const db = createDb(await pgliteDriver({ dataDir: process.argv[2]! }));
await db.exec('CREATE TABLE IF NOT EXISTS counted (n int PRIMARY KEY)');
const { rows } = await db.query<{ last: number | null }>('SELECT max(n) AS last FROM counted');
for (let n = (rows[0]?.last ?? 0) + 1; ; n++) {
  await db.transaction((tx) => tx.query('INSERT INTO counted VALUES ($1)', [n]));
  process.send?.(n);
}

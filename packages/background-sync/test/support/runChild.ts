// Test support: a child process that opens a database file and runs one background run, so a
// test can SIGKILL it — at a random instant, or at a named kill point where it kills itself.
// Run with tsx; configuration in the CHILD_CONFIG environment variable (JSON, see ChildConfig).
// Prints `ready` before the run starts and `report <json>` when it ends.
import type { SyncSettings } from '../../src/settings';
import { openTestDatabase } from '../../testing/testDatabase';
import { createTestEngine } from '../../testing/testEngine';

export interface ChildConfig {
  dbDir: string;
  dbFile: string;
  apiUrl: string;
  /** A bearer token valid for the whole run. */
  token: string;
  budgetMs: number;
  settings?: Partial<SyncSettings>;
  /** Named kill point: SIGKILL itself after the server answered request number `killAtRequest` (1-based). */
  killAt?: 'afterServerApplied';
  killAtRequest?: number;
}

const config = JSON.parse(process.env.CHILD_CONFIG ?? '') as ChildConfig;
const t = await openTestDatabase({ dir: config.dbDir, filename: config.dbFile });
let answered = 0;
const { engine } = createTestEngine({
  db: t.syncDb,
  apiUrl: config.apiUrl,
  getToken: async () => config.token,
  ...(config.settings ? { settings: config.settings } : {}),
  hooks: {
    afterServerApplied: () => {
      answered++;
      if (config.killAt === 'afterServerApplied' && answered === (config.killAtRequest ?? 1)) {
        process.kill(process.pid, 'SIGKILL');
      }
    },
  },
});
process.stdout.write('ready\n');
const report = await engine.runBackgroundSync({ budgetMs: config.budgetMs, trigger: 'background' });
process.stdout.write(`report ${JSON.stringify(report)}\n`);
await engine.close();
await t.close();

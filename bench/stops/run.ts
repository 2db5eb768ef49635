// Benchmark: how promptly the engine stops, measured on the wall clock — the figures the tests bound
// only generously (test/support/wallClock.ts in @vhd/background-sync), since a loaded machine delays
// timers by seconds. Against the real server through a fault proxy whose upload route never answers:
//   overrun — how long after its budget a background run ends (requests would wait 30 s);
//   abort   — how long a run takes to end after the app turns active (requests would wait 20 s).
// Prints the median and the worst of ROUNDS rounds of each.
//   npm run stops -w @vhd/bench

import {
  createTestEngine,
  newTestUser,
  openTestDatabase,
  startServerFixture,
  TestAuth,
} from '@vhd/background-sync/testing';

const ROUNDS = 5;
const BUDGET_MS = 1_500;

const fx = await startServerFixture();
fx.proxy.setRules([{ path: '/api/powersync/upload', fault: { kind: 'hang' } }]);

async function measure(kind: 'overrun' | 'abort'): Promise<number> {
  const t = await openTestDatabase();
  try {
    await t.db.execute("INSERT INTO schedules (id, customer, status) VALUES (uuid(), 'Bench', 'scheduled')");
    const auth = new TestAuth(newTestUser(fx.server).token);
    const { engine } = createTestEngine({
      db: t.syncDb,
      apiUrl: fx.proxy.url,
      getToken: auth.getToken,
      settings: { requestTimeoutMs: kind === 'overrun' ? 30_000 : 20_000 },
    });
    try {
      if (kind === 'overrun') {
        const started = performance.now();
        await engine.runBackgroundSync({ budgetMs: BUDGET_MS, trigger: 'background' });
        return performance.now() - started - BUDGET_MS;
      }
      const before = fx.proxy.count('/api/powersync/upload');
      const run = engine.runBackgroundSync({ budgetMs: 30_000, trigger: 'background' });
      while (fx.proxy.count('/api/powersync/upload') === before) await new Promise((r) => setTimeout(r, 5));
      const abortedAt = performance.now();
      engine.abortActiveRun('app_active');
      await run;
      return performance.now() - abortedAt;
    } finally {
      await engine.close();
    }
  } finally {
    await t.close();
  }
}

const rows: string[] = [];
for (const kind of ['overrun', 'abort'] as const) {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) samples.push(await measure(kind));
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  rows.push(`| ${kind} | ${ROUNDS} | ${Math.round(median)} ms | ${Math.round(samples.at(-1)!)} ms |`);
}
await fx.close();
console.log('| stop | rounds | median | worst |\n|---|---:|---:|---:|');
console.log(rows.join('\n'));

// Benchmark: a 2,000-op CRUD upload with one op the database refuses (a CHECK violation), against the
// same batch without it, on PGlite and (with DATABASE_URL) Postgres; and how long GET /health takes
// meanwhile (PGlite serves one statement at a time, so a long fallback would stall it).
//   npm run server-bad-op -w @vhd/bench
import { startTestServer, type TestBackend, type TestServer } from '@vhd/server/testing';
import { backendsToBench, progress } from './backends';
import { OpLog } from './workload';

const OPS = 2_000;
const ROUNDS = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Measurement {
  ms: number;
  healthMaxMs: number;
}

/** Polls /health back to back until `stop` resolves; returns the slowest answer's time. */
async function pollHealth(url: string, stop: Promise<unknown>): Promise<number> {
  let done = false;
  void stop.finally(() => {
    done = true;
  });
  let slowest = 0;
  while (!done) {
    const started = performance.now();
    const res = await fetch(`${url}/health`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/health answered ${res.status}`);
    slowest = Math.max(slowest, performance.now() - started);
  }
  return slowest;
}

async function measure(server: TestServer, bad: boolean): Promise<Measurement> {
  const token = await server.mintToken({ orgId: `org_bench_${crypto.randomUUID().slice(0, 8)}` });
  const log = new OpLog();
  const scheduleId = crypto.randomUUID();
  const send = async (batch: unknown[]) => {
    const res = await fetch(`${server.url}/api/powersync/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ client_id: log.clientId, batch }),
    });
    const answer = (await res.json()) as { applied: number[]; rejected: unknown[] };
    if (res.status !== 200) throw new Error(`upload answered ${res.status}`);
    return answer;
  };
  await send([log.put('schedules', scheduleId, {})]);
  const badAt = Math.floor(OPS * 0.6);
  const batch = Array.from({ length: OPS }, (_, i) =>
    log.put('invoices', crypto.randomUUID(), {
      schedule_id: scheduleId,
      amount_cents: bad && i === badAt ? -1 : i,
    }),
  );
  const started = performance.now();
  const upload = send(batch);
  const [answer, healthMaxMs] = await Promise.all([upload, pollHealth(server.url, upload)]);
  const ms = performance.now() - started;
  if (answer.applied.length !== (bad ? OPS - 1 : OPS)) throw new Error('unexpected verdicts');
  return { ms, healthMaxMs };
}

async function benchBackend(backend: TestBackend) {
  progress(`[${backend}] starting server`);
  const server = await startTestServer({ backend });
  const results: Record<'clean' | 'bad', Measurement[]> = { clean: [], bad: [] };
  try {
    await measure(server, false);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const kind of round % 2 ? (['clean', 'bad'] as const) : (['bad', 'clean'] as const)) {
        const m = await measure(server, kind === 'bad');
        results[kind].push(m);
        progress(
          `[${backend}] round ${round}/${ROUNDS} ${kind}: ${m.ms.toFixed(0)} ms, /health ≤ ${m.healthMaxMs.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    await server.close();
  }
  const summary = (kind: 'clean' | 'bad') => ({
    ms: median(results[kind].map((r) => r.ms)),
    healthMaxMs: median(results[kind].map((r) => r.healthMaxMs)),
  });
  return { backend, clean: summary('clean'), bad: summary('bad') };
}

async function main() {
  const rows = [];
  for (const backend of backendsToBench()) rows.push(await benchBackend(backend));
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  console.log(`\nCRUD upload of ${fmt(OPS)} ops with one refused op, median of ${ROUNDS}\n`);
  console.log(
    '| backend | clean batch ms | one bad op ms | ratio | slowest /health meanwhile (clean / one bad op) ms |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const { backend, clean, bad } of rows) {
    console.log(
      `| ${backend} | ${fmt(clean.ms)} | ${fmt(bad.ms)} | ${(bad.ms / clean.ms).toFixed(1)}× | ${fmt(clean.healthMaxMs)} / ${fmt(bad.healthMaxMs)} |`,
    );
  }
}

await main();

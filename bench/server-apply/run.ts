// Benchmark: ops/s applied by the CRUD upload route (set-based: a fixed number of statements per
// table and op kind) against a baseline applying one statement per op, for 10,000-op workloads
// sent as 2,000-op requests (the server's limit), on PGlite and, with DATABASE_URL, on Postgres
// (in a throwaway database of that cluster). Prints a Markdown table with the ratio.
//   npm run server-apply -w @vhd/bench
import { startTestServer, type TestBackend, type TestServer } from '@vhd/server/testing';
import { backendsToBench, progress } from './backends';
import { startBaselineServer } from './perOpBaseline';
import { type Op, OpLog, workload } from './workload';

const OPS = 10_000;
const REQUEST_OPS = 2_000;
const ROUNDS = 3;

type Approach = 'set-based' | 'one statement per op';

interface Measurement {
  opsPerSecond: number;
  statements: number;
}

async function post(url: string, headers: Record<string, string>, body: unknown): Promise<number[]> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { applied?: number[]; rejected?: unknown[] };
  if (response.status !== 200 || answer.rejected?.length) {
    throw new Error(`upload answered ${response.status}: ${JSON.stringify(answer).slice(0, 500)}`);
  }
  return answer.applied ?? [];
}

async function measure(
  server: TestServer,
  baselineUrl: string,
  approach: Approach,
  ops = OPS,
): Promise<Measurement> {
  const orgId = `org_bench_${crypto.randomUUID().slice(0, 8)}`;
  const token = await server.mintToken({ userId: 'bench-user', orgId });
  const auth = { authorization: `Bearer ${token}` };
  const log = new OpLog();
  const { setup, work } = workload(log, ops / 10);
  const send = (batch: Op[], via: Approach) =>
    via === 'set-based'
      ? post(`${server.url}/api/powersync/upload`, auth, { client_id: log.clientId, batch })
      : post(baselineUrl, {}, { org_id: orgId, client_id: log.clientId, batch });
  // The stored rows the workload edits, through the real route, unmeasured.
  for (let i = 0; i < setup.length; i += REQUEST_OPS)
    await send(setup.slice(i, i + REQUEST_OPS), 'set-based');

  let statements = 0;
  const stop = server.db.onStatement(() => statements++);
  const started = performance.now();
  let applied = 0;
  try {
    for (let i = 0; i < work.length; i += REQUEST_OPS) {
      applied += (await send(work.slice(i, i + REQUEST_OPS), approach)).length;
    }
  } finally {
    stop();
  }
  const seconds = (performance.now() - started) / 1000;
  if (applied !== ops) throw new Error(`${approach}: ${applied} of ${ops} ops applied`);
  await checkOutcome(server, orgId, ops / 10, approach);
  return { opsPerSecond: ops / seconds, statements };
}

/** Both approaches must leave the same rows: per unit 2 schedules (both noted), 2 invoices, 2 photos. */
async function checkOutcome(server: TestServer, orgId: string, units: number, approach: Approach) {
  const { rows } = await server.db.query<Record<string, number>>(
    `SELECT (SELECT count(*)::int FROM schedules WHERE org_id = $1) AS schedules,
            (SELECT count(*)::int FROM schedules WHERE org_id = $1 AND notes IS NOT NULL) AS noted,
            (SELECT count(*)::int FROM invoices WHERE org_id = $1) AS invoices,
            (SELECT count(*)::int FROM invoices WHERE org_id = $1 AND amount_cents = 250) AS repriced,
            (SELECT count(*)::int FROM photos WHERE org_id = $1) AS photos,
            (SELECT count(*)::int FROM photos WHERE org_id = $1 AND width = 1024) AS measured`,
    [orgId],
  );
  const expected = {
    schedules: 2 * units,
    noted: 2 * units,
    invoices: 2 * units,
    repriced: units,
    photos: 2 * units,
    measured: units,
  };
  if (JSON.stringify(rows[0]) !== JSON.stringify(expected)) {
    throw new Error(`${approach} left ${JSON.stringify(rows[0])}, expected ${JSON.stringify(expected)}`);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function benchBackend(backend: TestBackend) {
  progress(`[${backend}] starting server`);
  const server = await startTestServer({ backend });
  // Deleted photos queue asset deletions drained after each response; keep that work out of the
  // timings and run it once at the end.
  const deletions = server.app.assetDeletions;
  const kick = deletions.kick.bind(deletions);
  deletions.kick = () => {};
  const baseline = await startBaselineServer(server.db);
  const results: Record<Approach, Measurement[]> = { 'set-based': [], 'one statement per op': [] };
  try {
    progress(`[${backend}] warming up`);
    for (const approach of Object.keys(results) as Approach[])
      await measure(server, baseline.url, approach, REQUEST_OPS);
    for (let round = 1; round <= ROUNDS; round++) {
      const order: Approach[] =
        round % 2 === 1 ? ['set-based', 'one statement per op'] : ['one statement per op', 'set-based'];
      for (const approach of order) {
        const result = await measure(server, baseline.url, approach);
        results[approach].push(result);
        progress(
          `[${backend}] round ${round}/${ROUNDS} ${approach}: ${Math.round(result.opsPerSecond).toLocaleString('en')} ops/s, ${result.statements.toLocaleString('en')} statements`,
        );
      }
    }
  } finally {
    baseline.server.close();
    deletions.kick = kick;
    await server.close();
  }
  const summary = (approach: Approach) => ({
    opsPerSecond: median(results[approach].map((r) => r.opsPerSecond)),
    statements: median(results[approach].map((r) => r.statements)),
  });
  return { backend, setBased: summary('set-based'), perOp: summary('one statement per op') };
}

async function main() {
  const rows = [];
  for (const backend of backendsToBench()) rows.push(await benchBackend(backend));
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  console.log(
    `\nCRUD upload apply, ${OPS.toLocaleString('en')} ops in ${REQUEST_OPS.toLocaleString('en')}-op requests, median of ${ROUNDS}\n`,
  );
  console.log(
    '| backend | set-based ops/s | one statement per op ops/s | ratio | statements (set-based / per op) |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const { backend, setBased, perOp } of rows) {
    console.log(
      `| ${backend} | ${fmt(setBased.opsPerSecond)} | ${fmt(perOp.opsPerSecond)} | ${(setBased.opsPerSecond / perOp.opsPerSecond).toFixed(1)}× | ${fmt(setBased.statements)} / ${fmt(perOp.statements)} |`,
    );
  }
}

await main();

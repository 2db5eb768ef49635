// One measured case: a fresh database, N server processes on it, the load generator against them,
// then the row check. Also the history case: upload latency of a client with a long verdict history
// against a fresh client's, alternated in one run.
import { randomBytes } from 'node:crypto';
import { type ServerProcess, startServerProcess } from '../src/serverProcess';
import { type Backend, createBenchDatabase } from './benchDatabase';
import { checkRows, type RowCheck } from './check';
import { runLoad } from './loadRun';
import { Phone } from './phone';
import { type Bucket, buckets, type Figures, figures, percentile } from './stats';

export interface CaseSpec {
  name: string;
  backend: Backend;
  phones: number;
  orgs: number;
  instances: number;
  batchOps: number;
  durationS: number;
  maxOps: number;
  /** Every this many batches a phone sends one again (same op ids), as after a lost response. */
  retryEvery: number;
  /** Per-bucket figures every this many seconds (soak: a minute). */
  bucketS: number;
  /** Server settings, e.g. DATABASE_POOL_MAX. */
  env?: Record<string, string>;
  /** Write the server processes' CPU profiles (`.cpuprofile`) here. */
  cpuProfileDir?: string;
}

export interface CaseResult {
  spec: CaseSpec;
  figures: Figures;
  buckets: Bucket[];
  /** Server RSS (all instances) at the first and the last sample, MB. */
  serverRssMb: { first: number; last: number; max: number };
  check: RowCheck;
  retries: { sent: number; mismatched: number };
  rejectedOps: number;
  errors: { count: number; statuses: Record<string, number>; first: string[] };
  loadAverage: { start: number; end: number };
}

export interface BenchContext {
  adminUrl?: string;
  log(line: string): void;
}

async function startServers(
  count: number,
  db: { databaseUrl?: string; dataDir: string },
  env: Record<string, string>,
  cpuProfileDir?: string,
) {
  const servers: ServerProcess[] = [];
  for (let i = 0; i < count; i++) {
    servers.push(
      await startServerProcess({
        dataDir: db.dataDir,
        ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : {}),
        // As behind one load balancer: one public URL, so a token minted by one instance is every one's.
        ...(servers[0] ? { publicUrl: servers[0].url } : {}),
        // Request logs would cost the server (and this process) more than a phone's batch: warnings only.
        env: { LOG_LEVEL: 'warn', ...env },
        ...(cpuProfileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] } : {}),
      }),
    );
  }
  return servers;
}

export async function runCase(spec: CaseSpec, ctx: BenchContext): Promise<CaseResult> {
  if (spec.backend === 'pglite' && spec.instances > 1)
    throw new Error('PGlite belongs to one server process');
  const database = await createBenchDatabase(spec.backend, ctx.adminUrl);
  try {
    // Migrated before the servers start, so their concurrent starts find nothing to do.
    await (await database.open()).close();
    const servers = await startServers(spec.instances, database, spec.env ?? {}, spec.cpuProfileDir);
    let outcome: Awaited<ReturnType<typeof runLoad>>;
    try {
      ctx.log(
        `${spec.name}: ${spec.phones} phones in ${spec.orgs} orgs, ${spec.instances} instance(s) on ${spec.backend}, ` +
          `${spec.batchOps}-op batches, ${spec.durationS} s`,
      );
      outcome = await runLoad({
        urls: servers.map((s) => s.url),
        serverPids: servers.map((s) => s.pid),
        phones: spec.phones,
        orgs: spec.orgs,
        batchOps: spec.batchOps,
        durationMs: spec.durationS * 1000,
        maxOps: spec.maxOps,
        retryEvery: spec.retryEvery,
        progressEveryMs: Math.min(10_000, spec.bucketS * 1000),
        log: (line) => ctx.log(`  ${spec.name} ${line}`),
        tag: `f${randomBytes(3).toString('hex')}`,
      });
    } finally {
      for (const server of servers) await server.stop();
    }
    const db = await database.open();
    let check: RowCheck;
    try {
      check = await checkRows(db, outcome.phones);
    } finally {
      await db.close();
    }
    const statuses: Record<string, number> = {};
    for (const e of outcome.errors) statuses[e.status] = (statuses[e.status] ?? 0) + 1;
    const rss = outcome.memory.map((m) => m.rssMb);
    const result: CaseResult = {
      spec,
      figures: figures(outcome.requests, outcome.elapsedMs / 1000),
      buckets: buckets(outcome.requests, outcome.memory, outcome.elapsedMs, spec.bucketS * 1000),
      serverRssMb: { first: rss[0] ?? 0, last: rss.at(-1) ?? 0, max: Math.max(0, ...rss) },
      check,
      retries: {
        sent: outcome.requests.filter((r) => r.retry).length,
        mismatched: outcome.retryMismatches,
      },
      rejectedOps: outcome.rejectedOps,
      errors: {
        count: outcome.errors.length,
        statuses,
        first: [...new Set(outcome.errors.map((e) => `${e.status} ${e.message}`))].slice(0, 5),
      },
      loadAverage: outcome.loadAverage,
    };
    const f = result.figures;
    ctx.log(
      `${spec.name}: ${f.appliedOpsPerS.toLocaleString('en')} applied ops/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms; ` +
        `check: ${check.rows} rows, ${check.lost} lost, ${check.extra} extra, ${check.clientsOff} clients off, ` +
        `${check.numberingOff} orgs misnumbered; ${result.errors.count} errors; load ${outcome.loadAverage.start} → ${outcome.loadAverage.end}`,
    );
    for (const p of check.problems) ctx.log(`  ! ${p}`);
    return result;
  } finally {
    await database.drop();
  }
}

export interface HistorySpec {
  backend: Backend;
  /** Verdicts seeded for the old client (spread over the retention period, all settled). */
  seededVerdicts: number;
  rounds: number;
  batchOps: number;
}

export interface HistoryResult {
  spec: HistorySpec;
  fresh: { p50Ms: number; meanMs: number };
  seeded: { p50Ms: number; meanMs: number };
  /** Seeded p50 ÷ fresh p50, measured alternately in one run. */
  ratio: number;
  seedS: number;
  loadAverage: { start: number; end: number };
}

/**
 * A client with a month of history (`seededVerdicts` verdicts and its watermark above them) and a
 * fresh client of the same organization upload the same kind of batch, one after the other, for
 * `rounds` rounds; the two latency distributions are compared.
 */
export async function runHistory(spec: HistorySpec, ctx: BenchContext): Promise<HistoryResult> {
  const { loadavg } = await import('node:os');
  const loadStart = loadavg()[0] ?? 0;
  const database = await createBenchDatabase(spec.backend, ctx.adminUrl);
  try {
    const tag = `h${randomBytes(3).toString('hex')}`;
    const seededUser = `user_${tag}_old`;
    const seededClient = `history-${tag}`;
    const seedStart = performance.now();
    const db = await database.open();
    try {
      await db.query(
        `INSERT INTO client_watermarks (client_id, user_id, org_id, last_op_id) VALUES ($1, $2, $3, $4)`,
        [seededClient, seededUser, `org_${tag}`, spec.seededVerdicts],
      );
      await db.query(
        `INSERT INTO op_verdicts (client_id, op_id, tx_id, verdict, applied_at)
         SELECT $1, g, g, 'applied', now() - make_interval(secs => ($2::int8 - g) * 2592000.0 / $2::int8)
         FROM generate_series(1, $2::int8) AS g`,
        [seededClient, spec.seededVerdicts],
      );
      await db.query('ANALYZE op_verdicts');
    } finally {
      await db.close();
    }
    const seedS = (performance.now() - seedStart) / 1000;
    ctx.log(
      `history on ${spec.backend}: seeded ${spec.seededVerdicts.toLocaleString('en')} verdicts in ${seedS.toFixed(1)} s`,
    );
    const [server] = await startServers(1, database, {});
    const ms: Record<'fresh' | 'seeded', number[]> = { fresh: [], seeded: [] };
    try {
      const token = async (user: string) => {
        const res = await fetch(`${server!.url}/dev/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user: user.replace(/^user_/, ''), org: tag, expiresInSec: 3600 }),
        });
        return ((await res.json()) as { token: string }).token;
      };
      const fresh = new Phone(`user_${tag}_new`, `org_${tag}`, await token(`user_${tag}_new`));
      const seeded = new Phone(seededUser, `org_${tag}`, await token(seededUser), {
        clientId: seededClient,
        lastOpId: spec.seededVerdicts,
      });
      const send = async (phone: Phone, kind: 'fresh' | 'seeded') => {
        const batch = phone.nextBatch(spec.batchOps);
        const t0 = performance.now();
        const res = await fetch(`${server!.url}/api/powersync/upload`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${phone.token}` },
          body: JSON.stringify({ client_id: phone.clientId, batch }),
        });
        const answer = (await res.json()) as { applied?: number[] };
        const elapsed = performance.now() - t0;
        if (res.status !== 200 || answer.applied?.length !== batch.length)
          throw new Error(`history ${kind}: HTTP ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
        ms[kind].push(elapsed);
      };
      // Warm-up, then alternate which client goes first.
      for (let i = 0; i < 5; i++) {
        await send(fresh, 'fresh');
        await send(seeded, 'seeded');
      }
      ms.fresh = [];
      ms.seeded = [];
      for (let round = 0; round < spec.rounds; round++) {
        if (round % 2 === 0) {
          await send(fresh, 'fresh');
          await send(seeded, 'seeded');
        } else {
          await send(seeded, 'seeded');
          await send(fresh, 'fresh');
        }
      }
    } finally {
      await server!.stop();
    }
    const summary = (values: number[]) => ({
      p50Ms: Math.round(percentile(values, 50) * 10) / 10,
      meanMs: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10,
    });
    const result: HistoryResult = {
      spec,
      fresh: summary(ms.fresh),
      seeded: summary(ms.seeded),
      ratio: Math.round((percentile(ms.seeded, 50) / percentile(ms.fresh, 50)) * 100) / 100,
      seedS: Math.round(seedS * 10) / 10,
      loadAverage: {
        start: Math.round(loadStart * 100) / 100,
        end: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      },
    };
    ctx.log(
      `history on ${spec.backend}: fresh p50 ${result.fresh.p50Ms} ms, seeded p50 ${result.seeded.p50Ms} ms, ratio ${result.ratio}`,
    );
    return result;
  } finally {
    await database.drop();
  }
}

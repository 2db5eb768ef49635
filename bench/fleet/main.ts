// `npm run fleet -w @vhd/bench -- <scenario>` — the server under a fleet of phones over real HTTP.
//   fleet:   50 phones (each its own user, token and client_id) in 5, 1 and 50 organizations, one
//            phone alone, and two server instances, on Postgres; 50 in 5 and one phone on PGlite.
//   soak:    50 phones in 5 organizations for 10 minutes on each backend, figures per minute.
//   history: a client with 1,000,000 verdicts against a fresh one, alternated.
// Postgres: DATABASE_URL or TEST_DATABASE_URL names a cluster (scripts/with-postgres.sh gives one);
// each case runs in a throwaway database of it. Results: results/<scenario>.json (--quick:
// results/<scenario>-quick.json), then Markdown tables on stdout.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { describeMachine, machineLine } from '../src/machine';
import { type Backend, postgresSettings } from './benchDatabase';
import { casesTable, fleetTargets, historyTable, soakTable, targetsTable } from './report';
import { type CaseResult, type CaseSpec, type HistoryResult, runCase, runHistory } from './runCase';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
const SCENARIOS = ['fleet', 'soak', 'history'] as const;
type Scenario = (typeof SCENARIOS)[number];

const program = new Command('fleet')
  .description('The server under a fleet of phones (load generator over real HTTP on 127.0.0.1)')
  .addOption(new Option('--scenario <name>', 'what to run').choices(SCENARIOS).default('fleet'))
  .addOption(new Option('--backend <names...>', 'databases').choices(['postgres', 'pglite']))
  .option('--quick', 'short cases (seconds), small history', false)
  .option('--duration <s>', 'seconds per case (fleet 20, soak 600; quick: 5 and 20)')
  .option('--phones <n>', 'phones (fleet and soak)', '50')
  .option('--batch-ops <n>', 'ops per upload request', '100')
  .option('--out <file>', 'results file')
  .option('--case <names...>', 'run only these cases (by name, e.g. "postgres 50 in 5 orgs")')
  .option('--pool <n>', 'DATABASE_POOL_MAX of each server process (default: the server default)')
  .option('--cpu-prof <dir>', "write the server processes' CPU profiles to this folder")
  .parse();

const opts = program.opts<{
  scenario: Scenario;
  backend?: Backend[];
  quick: boolean;
  duration?: string;
  phones: string;
  batchOps: string;
  out?: string;
  cpuProf?: string;
  pool?: string;
  case?: string[];
}>();

const adminUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const backends = opts.backend ?? (adminUrl ? ['postgres', 'pglite'] : ['pglite']);
if (!adminUrl && backends.includes('postgres'))
  throw new Error('postgres needs DATABASE_URL or TEST_DATABASE_URL');
if (!adminUrl) console.log('DATABASE_URL is not set: PGlite only');
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const ctx = { ...(adminUrl ? { adminUrl } : {}), log };
const phones = Number(opts.phones);
const batchOps = Number(opts.batchOps);
const started = Date.now();
const machine = describeMachine();

const base = (name: string, backend: Backend, durationS: number): CaseSpec => ({
  name,
  backend,
  phones,
  orgs: 5,
  instances: 1,
  batchOps,
  durationS,
  maxOps: 50_000_000,
  retryEvery: 20,
  bucketS: 5,
  ...(opts.cpuProf ? { cpuProfileDir: opts.cpuProf } : {}),
  ...(opts.pool ? { env: { DATABASE_POOL_MAX: opts.pool } } : {}),
});

function fleetCases(): CaseSpec[] {
  const durationS = Number(opts.duration ?? (opts.quick ? 5 : 20));
  const cases: CaseSpec[] = [];
  for (const backend of backends) {
    cases.push({ ...base(`${backend} 1 phone`, backend, durationS), phones: 1, orgs: 1 });
    cases.push(base(`${backend} ${phones} in 5 orgs`, backend, durationS));
    if (backend === 'postgres') {
      cases.push({ ...base(`${backend} ${phones} in 1 org`, backend, durationS), orgs: 1 });
      cases.push({ ...base(`${backend} ${phones} in ${phones} orgs`, backend, durationS), orgs: phones });
      cases.push({
        ...base(`${backend} ${phones} in 5 orgs, 2 instances`, backend, durationS),
        instances: 2,
      });
    }
  }
  return cases;
}

function soakCases(): CaseSpec[] {
  const durationS = Number(opts.duration ?? (opts.quick ? 20 : 600));
  return backends.map((backend) => ({
    ...base(`${backend} soak`, backend, durationS),
    bucketS: Math.max(1, Math.min(60, Math.floor(durationS / 10))),
  }));
}

const cases: CaseResult[] = [];
const history: HistoryResult[] = [];
if (opts.scenario === 'history') {
  for (const backend of backends) {
    history.push(
      await runHistory(
        {
          backend,
          seededVerdicts: opts.quick ? 100_000 : 1_000_000,
          rounds: opts.quick ? 20 : 100,
          batchOps,
        },
        ctx,
      ),
    );
  }
} else {
  const specs = opts.scenario === 'fleet' ? fleetCases() : soakCases();
  for (const spec of specs.filter((s) => !opts.case || opts.case.includes(s.name)))
    cases.push(await runCase(spec, ctx));
}

const results = {
  scenario: opts.scenario,
  mode: opts.quick ? 'quick' : 'full',
  date: new Date(started).toISOString(),
  durationS: Math.round((Date.now() - started) / 1000),
  machine,
  postgres: adminUrl ? await postgresSettings(adminUrl) : null,
  cases,
  history,
  targets: fleetTargets(opts.scenario, cases, history),
};
const out = opts.out ?? join(RESULTS, `${opts.scenario}${opts.quick ? '-quick' : ''}.json`);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);

console.log(
  `\n## ${opts.scenario} (${results.mode} run, ${results.date.slice(0, 16)}, ${machineLine(machine)})\n`,
);
if (results.postgres) console.log(`Postgres: ${JSON.stringify(results.postgres)}\n`);
if (cases.length) console.log(casesTable(cases));
if (opts.scenario === 'soak') for (const c of cases) console.log(`\n### ${c.spec.name}\n\n${soakTable(c)}`);
if (history.length) console.log(historyTable(history));
console.log(`\n### Targets\n\n${targetsTable(results.targets)}`);
console.log(`\nWrote ${out} (${results.durationS} s).`);
// Keep-alive sockets to the stopped servers must not hold the process.
process.exit(0);

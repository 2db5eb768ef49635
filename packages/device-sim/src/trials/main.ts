// `npm run trials -- --runs N --seed S`: crash/fault trials of the real engine on simulated phones.
import { Command, InvalidArgumentError, Option } from 'commander';
import { shownProblems } from '../consistency';
import type { BrokenEngine } from '../device/protocol';
import { describeReplicationLag, parseReplicationLag, REPLICATION_LAG_HELP } from '../replicationLagArg';
import { formatMs, formatTable } from '../report/table';
import type { TrialResult } from './runTrial';
import { runTrials } from './runTrials';
import { describeFault, describeKill, describePlan, describeServerFault } from './trialPlan';

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
  return n;
};

const program = new Command('trials')
  .description(
    'Crash/fault trials: a simulated phone (a real child process running the engine) writes rows and takes photos while runs are killed (at random instants and at the named kill points) and the backend fails (5xx, 429, black holes, resets, lost answers, token expiry); then recovery runs until quiet, and the invariants are checked. Trial i uses seed S+i: replay one with --runs 1 --seed <its seed>.',
  )
  .option('--runs <n>', 'number of trials', int('--runs', 1), 20)
  .option('--seed <n>', 'seed of the first trial (default: random)', int('--seed', 0))
  .option('--concurrency <n>', 'trials at once', int('--concurrency', 1), 3)
  .option('--verbose', 'print each step of each trial')
  .option('--replication-lag <ms>', REPLICATION_LAG_HELP, parseReplicationLag)
  .option(
    '--server-faults',
    'also kill the server (SIGKILL at random instants and at fault points; each trial has its own server process, restarted on the same data) and fill the media disk',
  )
  .addOption(
    new Option(
      '--database <kind>',
      'the server database with --server-faults; postgres (restarted fast/immediate too) needs scripts/with-postgres.sh',
    )
      .choices(['pglite', 'postgres'])
      .default('pglite'),
  )
  .addOption(
    new Option(
      '--broken <engine>',
      'run a deliberately broken engine (shows that the trials catch it)',
    ).choices(['crud-complete-before-answer', 'photo-synced-before-store']),
  )
  .parse();

const opts = program.opts<{
  runs: number;
  seed?: number;
  concurrency: number;
  verbose?: boolean;
  serverFaults?: boolean;
  database: 'pglite' | 'postgres';
  broken?: BrokenEngine;
  replicationLag?: ReturnType<typeof parseReplicationLag>;
}>();
const seed = opts.seed ?? Math.floor(Math.random() * 1_000_000);

console.log(
  `Trials: ${opts.runs} from seed ${seed}, ${opts.concurrency} at a time${opts.replicationLag === undefined ? '' : `, replication lag ${describeReplicationLag(opts.replicationLag)}`}${opts.serverFaults ? `, server faults on (${opts.database})` : ''}${opts.broken ? `, BROKEN ENGINE ${opts.broken}` : ''}`,
);
const summary = await runTrials({
  runs: opts.runs,
  seed,
  concurrency: opts.concurrency,
  ...(opts.broken ? { broken: opts.broken } : {}),
  ...(opts.replicationLag === undefined ? {} : { replicationLagMs: opts.replicationLag }),
  ...(opts.serverFaults ? { serverFaults: { database: opts.database } } : {}),
  ...(opts.verbose ? { trace: (line: string) => console.log(`  ${line}`) } : {}),
  onResult: (r, done) => console.log(`${String(done).padStart(4)}/${opts.runs} ${line(r)}`),
});

function line(r: TrialResult): string {
  const sessions = r.plan.sessions
    .map(
      (s) =>
        [...s.faults.map(describeFault), describeKill(s.kill), describeServerFault(s.serverFault)]
          .filter(Boolean)
          .join(' ') || 'no fault',
    )
    .join(' | ');
  const mark = r.ok ? 'ok  ' : 'FAIL';
  return `${mark} seed ${r.seed}  ${formatMs(r.durationMs).padStart(7)}  ${describePlan(r.plan)}  [${sessions}]${r.ok ? '' : `\n       ${r.failure}`}`;
}

const runs = summary.results.flatMap((r) => r.runs);
const outcomes = new Map<string, number>();
for (const run of runs) outcomes.set(run.outcome, (outcomes.get(run.outcome) ?? 0) + 1);
const faults = new Map<string, number>();
for (const r of summary.results)
  for (const [k, n] of Object.entries(r.faultsActed)) faults.set(k, (faults.get(k) ?? 0) + n);
const checks = new Map<string, { description: string; checked: number; failed: number }>();
for (const r of summary.results) {
  for (const c of r.report?.checks ?? []) {
    const agg = checks.get(c.name) ?? { description: c.description, checked: 0, failed: 0 };
    agg.checked += c.checked;
    if (c.problems.length > 0) agg.failed++;
    checks.set(c.name, agg);
  }
}

console.log(
  `\n${summary.passed} passed, ${summary.failed} failed in ${formatMs(summary.durationMs)} (${(summary.results.length / (summary.durationMs / 1000)).toFixed(2)} trials/s)`,
);
console.log(
  `${runs.length} runs: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}; ` +
    `${summary.results.reduce((n, r) => n + r.kills, 0)} processes SIGKILLed; ` +
    `server-side faults acted: ${[...faults].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}` +
    (opts.serverFaults
      ? `; server processes restarted ${summary.results.reduce((n, r) => n + r.serverRestarts, 0)} times` +
        (opts.database === 'postgres' ? `; Postgres restarted ${summary.postgresRestarts} times` : '')
      : ''),
);
console.log(
  `\n${formatTable(
    [
      { header: 'invariant' },
      { header: 'what it holds' },
      { header: 'items', align: 'right' },
      { header: 'trials failed', align: 'right' },
    ],
    [...checks].map(([name, c]) => [name, c.description, c.checked, c.failed]),
  )}`,
);
const failures = summary.results.filter((r) => !r.ok);
if (failures.length > 0) {
  console.log('\nFailed trials (replay one with: npm run trials -- --runs 1 --seed <seed>):');
  for (const f of failures) {
    console.log(`  seed ${f.seed}: ${f.failure}`);
    for (const c of f.report?.checks ?? [])
      for (const p of shownProblems(c)) if (p !== f.failure) console.log(`    ${c.name}: ${p}`);
    console.log(`    the phone's folder (log, database): ${f.dir}`);
  }
}
// Exit now: the last trials' sockets and retry timers would otherwise keep the process up a while.
process.exit(summary.failed > 0 ? 1 : 0);

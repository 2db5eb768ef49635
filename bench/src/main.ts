// `npm run bench` — the engine against the plan as first written, over an emulated link. Writes
// results/latest.json and results/utilisation.svg (a partial or --quick run writes partial.* so the
// committed results stay those of a full run) and prints the figures and targets as Markdown.
// `--from <json>` renders the tables and the chart of stored results without running anything.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { utilisationChart } from './chart';
import { machineLine } from './machine';
import { resultsTable, targetsTable } from './report';
import { type BenchResults, mergeRerun, runBench } from './runBench';
import { type BenchLink, LINKS, SCENARIOS, type ScenarioName } from './scenarios';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

const program = new Command('bench')
  .description('Benchmarks of the background-sync engine against the baseline as first planned')
  .option('--quick', 'small counts and short windows (a few minutes)', false)
  .addOption(new Option('--scenario <names...>', 'scenarios to run').choices(SCENARIOS))
  .addOption(new Option('--link <names...>', 'link profiles to run on').choices([...LINKS, 'none']))
  .option('--out <file>', 'results file (default results/latest.json, or results/partial.json)')
  .option('--from <file>', 'render the tables and the chart of a stored results file; run nothing')
  .option('--merge', 'replace the rows of the scenarios run (on the links run) in results/latest.json', false)
  .parse();

const opts = program.opts<{
  quick: boolean;
  scenario?: ScenarioName[];
  link?: BenchLink[];
  out?: string;
  from?: string;
  merge: boolean;
}>();
const partial = opts.quick || opts.scenario !== undefined || opts.link !== undefined;

let results: BenchResults;
let out: string;
if (opts.from) {
  out = opts.from;
  results = JSON.parse(await readFile(out, 'utf8')) as BenchResults;
} else {
  out = opts.out ?? join(RESULTS, partial && !opts.merge ? 'partial.json' : 'latest.json');
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  results = await runBench({
    scenarios: opts.scenario ?? SCENARIOS,
    links: opts.link ?? LINKS,
    quick: opts.quick,
    log,
  });
  if (opts.merge) results = mergeRerun(JSON.parse(await readFile(out, 'utf8')) as BenchResults, results);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
}

const reran = (results.reruns ?? [])
  .map(
    (r) =>
      `; ${r.scenarios.join(', ')} re-run ${r.date.slice(0, 10)} (load ${r.machine.loadAverage} at start)`,
  )
  .join('');
const caption = `${results.mode} run, ${results.date.slice(0, 10)}, ${machineLine(results.machine)}${reran}`;
const chartFile = out.endsWith('latest.json')
  ? join(dirname(out), 'utilisation.svg')
  : out.replace(/\.json$/, '.svg');
await writeFile(chartFile, utilisationChart(results.results, caption));

console.log(`\n## Results (${caption})\n`);
console.log(resultsTable(results.results));
console.log('\n## Targets\n');
console.log(targetsTable(results.targets));
for (const n of results.notes) console.log(`\n- ${n.scenario} on ${n.link}: ${n.notes.join('; ')}`);
console.log(`\n${opts.from ? 'Rendered' : 'Wrote'} ${out} and ${chartFile} (${results.durationS} s run).`);

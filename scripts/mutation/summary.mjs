#!/usr/bin/env node
// Prints a Markdown table per file from Stryker JSON reports (reports/mutation/*.json by default):
// the numbers the README quotes. Score = detected / (detected + survived + no coverage);
// "covered" leaves out mutants no in-process test reaches. With --min N, exits 1 when a file's
// score is below N % (the CI gate).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals: files } = parseArgs({
  options: { min: { type: 'string' } },
  allowPositionals: true,
});
const min = values.min === undefined ? undefined : Number(values.min);
if (min !== undefined && !Number.isFinite(min)) throw new Error(`--min needs a number, got ${values.min}`);
const below = [];
const reports =
  files.length > 0
    ? files
    : readdirSync('reports/mutation')
        .filter((f) => f.endsWith('.json'))
        .map((f) => join('reports/mutation', f));

const pct = (n, d) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)} %`);
console.log(
  '| file | mutants | killed | timeout | survived | no coverage | ignored | score | covered score |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const report of reports) {
  const { files: byFile } = JSON.parse(readFileSync(report, 'utf8'));
  for (const [path, { mutants }] of Object.entries(byFile).sort(([a], [b]) => a.localeCompare(b))) {
    const n = (s) => mutants.filter((m) => m.status === s).length;
    const killed = n('Killed');
    const timeout = n('Timeout');
    const survived = n('Survived');
    const noCoverage = n('NoCoverage');
    const detected = killed + timeout;
    const scored = detected + survived + noCoverage;
    if (min !== undefined && scored > 0 && (100 * detected) / scored < min) below.push(path);
    console.log(
      `| \`${path}\` | ${mutants.length} | ${killed} | ${timeout} | ${survived} | ${noCoverage} | ${n('Ignored')} | ` +
        `${pct(detected, detected + survived + noCoverage)} | ${pct(detected, detected + survived)} |`,
    );
  }
}
if (below.length > 0) {
  console.error(`mutation score below ${min} %: ${below.join(', ')}`);
  process.exit(1);
}

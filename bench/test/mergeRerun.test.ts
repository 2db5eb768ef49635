// `--merge`: a re-run of some scenarios replaces exactly their rows in the stored results.
import { expect, it } from 'vitest';
import type { ResultRow } from '../src/figures';
import { type BenchResults, mergeRerun } from '../src/runBench';

const machine = { cpu: 'cpu', cores: 2, memoryGb: 1, os: 'os', node: 'v20', loadAverage: 1 };

function results(date: string, rows: Array<[string, string, number]>): BenchResults {
  const resultRows = rows.map(
    ([scenario, link, engine]) =>
      ({
        scenario,
        link,
        metric: 'utilisation',
        better: 'higher',
        engine,
        baseline: null,
        ratio: null,
      }) as ResultRow,
  );
  const pairs = [...new Set(rows.map(([s, l]) => `${s}|${l}`))].map((p) => p.split('|'));
  return {
    machine,
    date,
    mode: 'full',
    durationS: 1,
    results: resultRows,
    targets: [],
    notes: pairs.map(([scenario, link]) => ({ scenario, link, notes: [] }) as BenchResults['notes'][number]),
    runs: [],
  };
}

it('replaces the re-run pairs in place, adds new ones last, records the re-run and checks the targets again', () => {
  const base = results('2026-01-01', [
    ['photos-2mb', '4G', 0.5],
    ['photos-200kb', '4G', 0.9],
    ['budget-ios', 'poor3G', 0.1],
  ]);
  const rerun = results('2026-02-02', [
    ['photos-2mb', '4G', 0.95],
    ['budget-20mb', 'poor3G', 0.7],
  ]);
  const merged = mergeRerun(base, rerun);
  expect(merged.results.map((r) => [r.scenario, r.engine])).toEqual([
    ['photos-2mb', 0.95],
    ['photos-200kb', 0.9],
    ['budget-ios', 0.1],
    ['budget-20mb', 0.7],
  ]);
  expect(merged.date).toBe('2026-01-01');
  expect(merged.reruns).toEqual([
    { date: '2026-02-02', machine, durationS: 1, scenarios: ['photos-2mb/4G', 'budget-20mb/poor3G'] },
  ]);
  expect(merged.targets.find((t) => t.scenario === 'photos-2mb')).toMatchObject({ value: 0.95, pass: true });
});

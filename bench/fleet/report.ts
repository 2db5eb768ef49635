// Markdown tables and target checks of the fleet, soak and history scenarios.
import type { CaseResult, HistoryResult } from './runCase';

export interface Target {
  target: string;
  value: string;
  pass: boolean;
}

const n = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 1 });

/** Nothing lost or doubled, every retry answered as the first time, no rejection, no error. */
export const clean = (c: CaseResult) =>
  c.check.lost === 0 &&
  c.check.extra === 0 &&
  c.check.clientsOff === 0 &&
  c.check.numberingOff === 0 &&
  c.retries.mismatched === 0 &&
  c.rejectedOps === 0 &&
  c.errors.count === 0;

export function casesTable(cases: CaseResult[]): string {
  const lines = [
    '| case | applied ops/s | p50 ms | p99 ms | requests | retries | rows checked | lost / extra | errors | server RSS MB (first → last) | load (start → end) |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---|---|',
  ];
  for (const c of cases) {
    lines.push(
      `| ${c.spec.name} | ${n(c.figures.appliedOpsPerS)} | ${n(c.figures.p50Ms)} | ${n(c.figures.p99Ms)} | ${n(c.figures.requests)} | ${n(c.retries.sent)} (${c.retries.mismatched} differed) | ${n(c.check.rows)} | ${c.check.lost} / ${c.check.extra} | ${c.errors.count} | ${n(c.serverRssMb.first)} → ${n(c.serverRssMb.last)} | ${c.loadAverage.start} → ${c.loadAverage.end} |`,
    );
  }
  return lines.join('\n');
}

export function soakTable(c: CaseResult): string {
  const lines = [
    '| from s | applied ops/s | p50 ms | p99 ms | server RSS MB |',
    '|---:|---:|---:|---:|---:|',
  ];
  for (const b of c.buckets)
    lines.push(
      `| ${b.fromS} | ${n(b.appliedOpsPerS)} | ${n(b.p50Ms)} | ${n(b.p99Ms)} | ${n(b.serverRssMb)} |`,
    );
  return lines.join('\n');
}

export function historyTable(history: HistoryResult[]): string {
  const lines = [
    '| backend | seeded verdicts | fresh client p50 ms (mean) | seeded client p50 ms (mean) | ratio | load (start → end) |',
    '|---|---:|---:|---:|---:|---|',
  ];
  for (const h of history)
    lines.push(
      `| ${h.spec.backend} | ${n(h.spec.seededVerdicts)} | ${n(h.fresh.p50Ms)} (${n(h.fresh.meanMs)}) | ${n(h.seeded.p50Ms)} (${n(h.seeded.meanMs)}) | ${h.ratio} | ${h.loadAverage.start} → ${h.loadAverage.end} |`,
    );
  return lines.join('\n');
}

export function targetsTable(targets: Target[]): string {
  return [
    '| target | measured | result |',
    '|---|---|---|',
    ...targets.map((t) => `| ${t.target} | ${t.value} | ${t.pass ? 'pass' : 'MISS'} |`),
  ].join('\n');
}

export function fleetTargets(scenario: string, cases: CaseResult[], history: HistoryResult[]): Target[] {
  const targets: Target[] = [];
  for (const c of cases) {
    targets.push({
      target: `${c.spec.name}: nothing lost or doubled, retries answered alike, no error`,
      value: `${c.check.rows} rows, ${c.check.lost} lost, ${c.check.extra} extra, ${c.check.clientsOff} clients off, ${c.check.numberingOff} orgs misnumbered, ${c.retries.mismatched} retries differed, ${c.rejectedOps} rejected, ${c.errors.count} errors`,
      pass: clean(c),
    });
  }
  if (scenario === 'fleet') {
    const five = cases.find(
      (c) =>
        c.spec.backend === 'postgres' && c.spec.orgs === 5 && c.spec.instances === 1 && c.spec.phones > 1,
    );
    const one = cases.find((c) => c.spec.backend === 'postgres' && c.spec.orgs === 1 && c.spec.phones > 1);
    if (five) {
      targets.push({
        target: `${five.spec.name}: ≥ 20,000 applied ops/s`,
        value: n(five.figures.appliedOpsPerS),
        pass: five.figures.appliedOpsPerS >= 20_000,
      });
      targets.push({
        target: `${five.spec.name}: p99 < 200 ms`,
        value: `${n(five.figures.p99Ms)} ms`,
        pass: five.figures.p99Ms < 200,
      });
    }
    if (five && one) {
      const ratio = one.figures.appliedOpsPerS / five.figures.appliedOpsPerS;
      targets.push({
        target: 'one organization ≥ 0.8 × five (same run)',
        value: `${ratio.toFixed(2)} (${n(one.figures.appliedOpsPerS)} vs ${n(five.figures.appliedOpsPerS)})`,
        pass: ratio >= 0.8,
      });
    }
  }
  if (scenario === 'soak') {
    for (const c of cases) {
      const first = c.buckets[0];
      const last = c.buckets.at(-1);
      if (!first || !last || c.buckets.length < 2) continue;
      const rate = last.appliedOpsPerS / first.appliedOpsPerS;
      targets.push({
        target: `${c.spec.name}: last ${c.spec.bucketS} s ≥ 0.9 × first (applied ops/s)`,
        value: `${rate.toFixed(2)} (${n(first.appliedOpsPerS)} → ${n(last.appliedOpsPerS)})`,
        pass: rate >= 0.9,
      });
      const memory = last.serverRssMb / first.serverRssMb;
      targets.push({
        target: `${c.spec.name}: server memory flat (last ≤ 1.1 × first)`,
        value: `${memory.toFixed(2)} (${n(first.serverRssMb)} → ${n(last.serverRssMb)} MB)`,
        pass: memory <= 1.1,
      });
    }
  }
  for (const h of history) {
    targets.push({
      target: `${h.spec.backend}: a client with ${n(h.spec.seededVerdicts)} verdicts uploads within 1.2 × a fresh one's p50`,
      value: `${h.ratio} (${n(h.seeded.p50Ms)} vs ${n(h.fresh.p50Ms)} ms)`,
      pass: h.ratio <= 1.2,
    });
  }
  return targets;
}

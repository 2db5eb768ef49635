// The results as Markdown: the figures table and the targets table.
import { fmt, type ResultRow, type TargetCheck } from './figures';

export function resultsTable(rows: ResultRow[]): string {
  const lines = [
    '| scenario | link | metric | engine | baseline | × better | note |',
    '|---|---|---|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.link} | ${r.metric} | ${fmt(r.engine)} | ${fmt(r.baseline)} | ${r.ratio === null ? '—' : `${fmt(r.ratio)}×`} | ${r.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

export function targetsTable(targets: TargetCheck[]): string {
  const lines = ['| target | scenario | link | value | result | detail |', '|---|---|---|---:|---|---|'];
  for (const t of targets) {
    const result = t.pass === null ? 'not run' : t.pass ? 'pass' : 'MISS';
    lines.push(`| ${t.target} | ${t.scenario} | ${t.link} | ${fmt(t.value)} | ${result} | ${t.detail} |`);
  }
  return lines.join('\n');
}

// An SVG bar chart of link utilisation per scenario and link, engine beside baseline.
import type { ResultRow } from './figures';

const W = 760;
const H = 340;
const M = { top: 48, right: 16, bottom: 64, left: 48 };
const COLORS = { engine: '#2563eb', baseline: '#9ca3af' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
/** A coordinate with one decimal. */
const n = (v: number) => String(Math.round(v * 10) / 10);

export function utilisationChart(rows: ResultRow[], caption: string): string {
  const groups = rows.filter((r) => r.metric === 'utilisation' && (r.engine !== null || r.baseline !== null));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const base = M.top + plotH;
  const y = (v: number) => M.top + plotH * (1 - Math.min(1, Math.max(0, v)));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="15" font-weight="bold">Link utilisation per scenario (stored file bytes ÷ (cap × photo time))</text>`,
    `<text x="${M.left}" y="37" fill="#555">${esc(caption)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="#e5e7eb"/>`,
      `<text x="${M.left - 6}" y="${n(y(v) + 4)}" text-anchor="end" fill="#555">${v.toFixed(1)}</text>`,
    );
  }
  const slot = plotW / Math.max(1, groups.length);
  const bar = Math.min(36, Math.floor(slot / 3));
  groups.forEach((g, i) => {
    const cx = M.left + slot * i + slot / 2;
    (['engine', 'baseline'] as const).forEach((side, j) => {
      const v = g[side];
      if (v === null) return;
      const x = cx - bar + j * bar;
      out.push(
        `<rect x="${n(x)}" y="${n(y(v))}" width="${bar - 2}" height="${n(base - y(v))}" fill="${COLORS[side]}"/>`,
        `<text x="${n(x + (bar - 2) / 2)}" y="${n(y(v) - 4)}" text-anchor="middle">${v.toFixed(2)}</text>`,
      );
    });
    out.push(
      `<text x="${n(cx)}" y="${base + 18}" text-anchor="middle">${esc(g.scenario)}</text>`,
      `<text x="${n(cx)}" y="${base + 34}" text-anchor="middle" fill="#555">${esc(g.link)}</text>`,
    );
  });
  const ly = H - 14;
  out.push(
    `<rect x="${M.left}" y="${ly - 10}" width="12" height="12" fill="${COLORS.engine}"/>`,
    `<text x="${M.left + 18}" y="${ly}">engine (batch signing, 10 streamed uploads)</text>`,
    `<rect x="${M.left + 300}" y="${ly - 10}" width="12" height="12" fill="${COLORS.baseline}"/>`,
    `<text x="${M.left + 318}" y="${ly}">baseline as first planned (one at a time)</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

// A device's last 24 h of runs as a small inline SVG: one mark per run at its start, as wide as it
// lasted; background runs full height, resume catch-ups and "sync now" runs half height; colour by
// outcome (the legend on the page names them). Each mark has a tooltip.
import type { RunRow } from '../syncHealth/healthStore';
import { clockTime, esc } from './html';

export const TIMELINE_SPAN_MS = 24 * 3_600_000;

export const OUTCOME_COLOURS: Record<string, string> = {
  completed: '#2e7d32',
  deadline: '#f9a825',
  aborted: '#90a4ae',
  offline: '#4fc3f7',
  server_unavailable: '#ef6c00',
  signed_out: '#8e24aa',
  failed: '#c62828',
  killed: '#4e342e',
  skipped_busy: '#cfd8dc',
};

const WIDTH = 960;
const HEIGHT = 34;
const AXIS = 10;

export function runTimeline(runs: RunRow[], nowMs: number): string {
  const from = nowMs - TIMELINE_SPAN_MS;
  const x = (t: number) => ((Math.min(Math.max(t, from), nowMs) - from) / TIMELINE_SPAN_MS) * WIDTH;
  const parts: string[] = [];
  // Hour grid every 3 h, labelled with the UTC hour.
  const firstHour = Math.ceil(from / 3_600_000) * 3_600_000;
  for (let h = firstHour; h <= nowMs; h += 3_600_000) {
    const hour = new Date(h).getUTCHours();
    if (hour % 3 !== 0) continue;
    const gx = x(h).toFixed(1);
    parts.push(`<line x1="${gx}" x2="${gx}" y1="0" y2="${HEIGHT - AXIS}" class="grid"/>`);
    parts.push(`<text x="${gx}" y="${HEIGHT - 1}" class="hour">${String(hour).padStart(2, '0')}</text>`);
  }
  for (const r of runs) {
    if (r.startedAt < from || r.startedAt > nowMs) continue;
    const x0 = x(r.startedAt);
    const end = r.finishedAt ?? r.startedAt;
    const w = Math.max(2, x(end) - x0);
    const tall = r.trigger === 'background';
    const h = tall ? HEIGHT - AXIS - 2 : (HEIGHT - AXIS) / 2;
    const y = HEIGHT - AXIS - h;
    const colour = OUTCOME_COLOURS[r.outcome] ?? '#000';
    const title = `${clockTime(r.startedAt)} ${r.trigger} → ${r.outcome}${r.reason ? ` (${r.reason})` : ''}; ${r.applied} changes, ${r.photos} photos`;
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}" data-outcome="${esc(r.outcome)}" data-trigger="${esc(r.trigger)}"><title>${esc(title)}</title></rect>`,
    );
  }
  return `<svg class="timeline" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="runs of the last 24 hours">${parts.join('')}</svg>`;
}

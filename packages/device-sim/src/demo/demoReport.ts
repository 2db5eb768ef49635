// The demo's report: one row per run, a timeline of each phone's day, and the consistency check.
import type { Check, ConsistencyReport } from '../consistency';
import { shownProblems } from '../consistency';
import { formatBytes, formatMs, formatTable } from '../report/table';
import type { RunRecord, SimulatedDevice } from '../simulatedDevice';

const clockTime = (t: number) => new Date(t).toISOString().slice(11, 16);

export function runTable(devices: SimulatedDevice[]): string {
  const runs = devices.flatMap((d) => d.runs).sort((a, b) => a.startedAt - b.startedAt);
  return formatTable(
    [
      { header: 'at' },
      { header: 'device' },
      { header: 'trigger' },
      { header: 'budget', align: 'right' },
      { header: 'outcome' },
      { header: 'ops', align: 'right' },
      { header: 'photos', align: 'right' },
      { header: 'bytes', align: 'right' },
      { header: 'took', align: 'right' },
    ],
    runs.map((r) => {
      const c = r.report?.counts ?? {};
      const rejected = c['crud.rejected'] ?? 0;
      const photos = (c['photos.uploaded'] ?? 0) + (c['photos.alreadyUploaded'] ?? 0);
      return [
        clockTime(r.startedAt),
        r.device,
        r.trigger,
        formatMs(r.budgetMs),
        r.outcome + (r.report?.reason && r.outcome !== 'completed' ? ` (${short(r.report.reason)})` : ''),
        `${c['crud.applied'] ?? 0}${rejected ? ` +${rejected} rejected` : ''}`,
        photos,
        formatBytes(r.report?.bytesSent ?? 0),
        formatMs(r.realMs ?? 0),
      ];
    }),
  );
}

function short(reason: string): string {
  return reason.length > 48 ? `${reason.slice(0, 47)}…` : reason;
}

/** Run glyphs: the worst thing that happened in a column wins. */
const RUN_GLYPH: Record<string, string> = {
  killed: 'K',
  failed: 'X',
  signed_out: 'S',
  server_unavailable: 's',
  offline: 'o',
  aborted: 'a',
  deadline: 'd',
  skipped_busy: 'b',
};
const TRIGGER_GLYPH: Record<string, string> = { background: 'B', resume: 'R', manual: 'M' };
const PRIORITY = 'KXSsoadb'.split('');

export const TIMELINE_LEGEND =
  'runs: B background, R resume catch-up, M "sync now" (completed); K killed mid-run, o offline, s server unavailable,\n' +
  '      a aborted (app opened), d deadline, b skipped (busy).  ▒ app on screen  · background  ~ no signal  × process killed  z suspended';

type State = 'dead' | 'background' | 'suspended' | 'open' | 'offline';
const STATE_GLYPH: Record<State, string> = {
  dead: ' ',
  background: '·',
  suspended: 'z',
  open: '▒',
  offline: '~',
};
/** A column shows the most telling state it saw: short visits to the app still show. */
const STATE_RANK: State[] = ['offline', 'open', 'background', 'suspended', 'dead'];

export function timeline(devices: SimulatedDevice[], from: number, to: number, width = 96): string {
  const span = Math.max(1, to - from);
  const col = (t: number) => Math.min(width - 1, Math.max(0, Math.floor(((t - from) / span) * width)));
  const nameWidth = Math.max(...devices.map((d) => label(d).length));
  const rows = devices.map((d) => {
    const cells: Array<State | undefined> = Array(width).fill(undefined);
    let open = false;
    let online = true;
    let alive = false;
    let suspended = false;
    let since = from;
    const state = (): State =>
      !online ? 'offline' : open ? 'open' : suspended ? 'suspended' : alive ? 'background' : 'dead';
    const paint = (until: number) => {
      const s = state();
      for (let c = col(since); c <= col(until); c++) {
        const prev = cells[c];
        if (!prev || STATE_RANK.indexOf(s) < STATE_RANK.indexOf(prev)) cells[c] = s;
      }
      since = until;
    };
    const marks = new Map<number, string>();
    const mark = (t: number, g: string) => {
      const c = col(t);
      const prev = marks.get(c);
      if (!prev || rank(g) < rank(prev)) marks.set(c, g);
    };
    for (const e of d.events) {
      paint(e.at);
      switch (e.kind) {
        case 'open':
          open = true;
          alive = true;
          suspended = false;
          break;
        case 'leave':
          open = false;
          break;
        case 'offline':
          online = false;
          break;
        case 'online':
          online = true;
          break;
        case 'suspend':
          suspended = true;
          break;
        case 'resume':
          suspended = false;
          break;
        case 'kill':
        case 'force-quit':
          open = false;
          alive = false;
          suspended = false;
          mark(e.at, '×');
          break;
        case 'launch':
          alive = true;
          suspended = false;
          break;
      }
    }
    paint(to);
    const line = cells.map((s) => STATE_GLYPH[s ?? 'dead']);
    for (const r of d.runs) mark(r.startedAt, runGlyph(r));
    for (const [c, g] of marks) line[c] = g;
    return `${label(d).padEnd(nameWidth)}  ${line.join('')}`;
  });
  const axis: string[] = Array(width).fill(' ');
  for (let h = Math.ceil(from / 3_600_000) * 3_600_000; h <= to; h += 3_600_000) {
    const c = col(h);
    const text = clockTime(h).slice(0, 2);
    if (c + text.length <= width) axis.splice(c, text.length, ...text.split(''));
  }
  return [`${' '.repeat(nameWidth)}  ${axis.join('')}`, ...rows].join('\n');
}

function label(d: SimulatedDevice): string {
  return `${d.name} (${d.platform})`;
}

function runGlyph(r: RunRecord): string {
  if (r.outcome === 'completed' || r.outcome === 'running') return TRIGGER_GLYPH[r.trigger] ?? '?';
  return RUN_GLYPH[r.outcome] ?? '?';
}

function rank(g: string): number {
  const i = PRIORITY.indexOf(g);
  if (i >= 0) return i;
  return g === '×' ? PRIORITY.length : PRIORITY.length + 1;
}

export function consistencyTable(report: ConsistencyReport): string {
  const table = formatTable(
    [
      { header: 'check' },
      { header: 'what it holds' },
      { header: 'items', align: 'right' },
      { header: 'result' },
    ],
    report.checks.map((c: Check) => [
      c.name,
      c.description,
      c.checked,
      c.problems.length === 0 ? 'ok' : `${c.problems.length} problem(s)`,
    ]),
  );
  const problems = report.checks.flatMap((c) => shownProblems(c).map((p) => `  ${c.name}: ${p}`));
  return problems.length > 0 ? `${table}\n\n${problems.join('\n')}` : table;
}

// From measurements to the figures printed and stored: one row per scenario, link and metric with
// engine, baseline and ratio ("times better": engine ÷ baseline where higher is better, baseline ÷
// engine where lower is better), and the targets checked against them.
import { LINK_PROFILES } from '@vhd/device-sim';
import type { DeviceMeasurement } from './device/protocol';
import type { BenchLink, ScenarioName } from './scenarios';

export interface RunRecord {
  scenario: ScenarioName;
  link: BenchLink;
  label: string;
  measurement: DeviceMeasurement;
  /** Bytes the link carried during the measured part, device→server and server→device. */
  proxy: { up: number; down: number };
  /** Server-side milliseconds of each CRUD upload request during the measured part. */
  serverUploadMs: number[];
}

export interface ResultRow {
  scenario: ScenarioName;
  link: BenchLink;
  metric: string;
  better: 'higher' | 'lower';
  engine: number | null;
  baseline: number | null;
  ratio: number | null;
  note?: string;
}

export interface TargetCheck {
  target: string;
  scenario: ScenarioName | 'all';
  link: BenchLink | 'all';
  value: number | null;
  limit: number;
  pass: boolean | null;
  detail: string;
}

/** The engine's crud-10k on an unshaped link: the server's own time to apply the ops. */
export interface ApplyCalibration {
  applyMs: number;
  requests: number;
}

const MB = 1_000_000;

function capBytesPerSecond(link: BenchLink): number | null {
  const bps = LINK_PROFILES[link].bitsPerSecond;
  return bps === null ? null : bps / 8;
}

/** File bytes ÷ (cap × time from the first signing request to the last upload response). */
export function utilisation(m: DeviceMeasurement, link: BenchLink): number | null {
  const cap = capBytesPerSecond(link);
  if (cap === null || !m.photoSpan) return null;
  const spanS = (m.photoSpan.lastUploadAt - m.photoSpan.firstSignAt) / 1000;
  return spanS > 0 ? m.photos.fileBytes / (cap * spanS) : null;
}

/**
 * Stored file bytes ÷ (cap × time left in the budget once photos began): what share of what the
 * link could carry after the CRUD backlog was stored within the budget.
 */
export function budgetUtilisation(m: DeviceMeasurement, link: BenchLink): number | null {
  const cap = capBytesPerSecond(link);
  if (cap === null || m.budgetMs === undefined || !m.photoSpan) return null;
  const leftS = (m.budgetMs - m.photoSpan.firstSignAt) / 1000;
  return leftS > 0 ? m.photos.fileBytes / (cap * leftS) : null;
}

/** The run (1-based) after which every photo was stored; null when none did within the runs. */
function runsToStore(m: DeviceMeasurement): number | null {
  let stored = 0;
  for (const [i, r] of (m.perRun ?? []).entries()) {
    stored += r.photosStored;
    if (stored >= m.photos.total) return i + 1;
  }
  return null;
}

/** Confirmed file bytes ÷ (cap × each run's budget left when photos began), over the runs that sent photos. */
function runsUtilisation(m: DeviceMeasurement, link: BenchLink): number | null {
  const cap = capBytesPerSecond(link);
  const runs = (m.perRun ?? []).filter((r) => r.firstSignAt !== null);
  if (cap === null || m.budgetMs === undefined || runs.length === 0) return null;
  const leftS = runs.reduce((n, r) => n + (m.budgetMs! - r.firstSignAt!) / 1000, 0);
  return runs.reduce((n, r) => n + r.fileBytes, 0) / (cap * leftS);
}

function ratio(better: 'higher' | 'lower', engine: number | null, baseline: number | null): number | null {
  if (engine === null || baseline === null) return null;
  const r = better === 'higher' ? engine / baseline : baseline / engine;
  return Number.isFinite(r) ? r : null;
}

function row(
  scenario: ScenarioName,
  link: BenchLink,
  metric: string,
  better: 'higher' | 'lower',
  engine: number | null,
  baseline: number | null,
  note?: string,
): ResultRow {
  return {
    scenario,
    link,
    metric,
    better,
    engine,
    baseline,
    ratio: ratio(better, engine, baseline),
    ...(note ? { note } : {}),
  };
}

const requests = (m: DeviceMeasurement) =>
  m.requests.crud + m.requests.sign + m.requests.upload + m.requests.other;
const proxyMb = (r: RunRecord) => (r.proxy.up + r.proxy.down) / MB;
const opsPerS = (m: DeviceMeasurement) => m.crud.applied / (m.wallMs / 1000);

/** Wall time, requests, payload and link bytes of both sides; a windowed baseline's scaled by `scale`. */
function volumeRows(
  scenario: ScenarioName,
  link: BenchLink,
  e: RunRecord,
  b: RunRecord,
  scale: number,
): ResultRow[] {
  const note = b.measurement.windowed ? `baseline projected ×${scale.toFixed(1)} from its window` : undefined;
  const s = b.measurement.windowed ? scale : 1;
  return [
    row(
      scenario,
      link,
      'wall_s',
      'lower',
      e.measurement.wallMs / 1000,
      (b.measurement.wallMs / 1000) * s,
      note,
    ),
    row(scenario, link, 'requests', 'lower', requests(e.measurement), requests(b.measurement) * s, note),
    row(
      scenario,
      link,
      'payload_mb',
      'lower',
      e.measurement.payloadBytes / MB,
      (b.measurement.payloadBytes / MB) * s,
      note,
    ),
    row(scenario, link, 'link_mb', 'lower', proxyMb(e), proxyMb(b) * s, note),
  ];
}

/** Says so when an engine run without a budget did not complete, and why. */
function outcomeNote(m: DeviceMeasurement): string | undefined {
  if (m.outcome === 'completed') return undefined;
  const abandoned = m.photos.failedUploads ? `, ${m.photos.failedUploads} uploads abandoned` : '';
  const silence =
    m.longestUploadSilenceMs !== undefined
      ? `; longest wait after an upload's last progress event ${(m.longestUploadSilenceMs / 1000).toFixed(1)} s`
      : '';
  return `engine ${m.outcome}: ${m.photos.stored}/${m.photos.total} photos stored${abandoned}; ${m.errors[0] ?? ''}${silence}`;
}

/** The rows of one scenario on one link from its runs (by label). */
export function scenarioRows(
  scenario: ScenarioName,
  link: BenchLink,
  runs: Map<string, RunRecord>,
): ResultRow[] {
  const get = (label: string) => {
    const r = runs.get(label);
    if (!r) throw new Error(`${scenario} on ${link}: no "${label}" run`);
    return r;
  };
  switch (scenario) {
    case 'crud-10k': {
      const e = get('engine');
      const b = get('baseline');
      return [
        row(scenario, link, 'ops_per_s', 'higher', opsPerS(e.measurement), opsPerS(b.measurement)),
        ...volumeRows(
          scenario,
          link,
          e,
          b,
          e.measurement.crud.total / Math.max(1, b.measurement.crud.applied),
        ),
      ];
    }
    case 'photos-2mb':
    case 'photos-200kb':
    case 'mixed': {
      const e = get('engine');
      const b = get('baseline');
      const scale = e.measurement.photos.total / Math.max(1, b.measurement.photos.stored);
      return [
        row(
          scenario,
          link,
          'utilisation',
          'higher',
          utilisation(e.measurement, link),
          utilisation(b.measurement, link),
          outcomeNote(e.measurement),
        ),
        ...volumeRows(scenario, link, e, b, scale),
      ];
    }
    case 'budget-ios': {
      const e = get('engine').measurement;
      const b = get('baseline').measurement;
      return [
        row(
          scenario,
          link,
          'utilisation',
          'higher',
          utilisation(e, link),
          utilisation(b, link),
          'stored bytes only: uploads the budget cut off are lost',
        ),
        row(
          scenario,
          link,
          'budget_utilisation',
          'higher',
          budgetUtilisation(e, link),
          budgetUtilisation(b, link),
          'stored bytes ÷ (cap × budget left when photos began)',
        ),
        row(scenario, link, 'ops_drained', 'higher', e.crud.applied, b.crud.applied),
        row(scenario, link, 'photos_drained', 'higher', e.photos.stored, b.photos.stored),
        row(scenario, link, 'photo_mb_drained', 'higher', e.photos.fileBytes / MB, b.photos.fileBytes / MB),
      ];
    }
    case 'budget-20mb': {
      const e = get('engine').measurement;
      const w = get('engine-whole').measurement;
      const note = 'baseline column: the engine uploading whole files';
      return [
        row(scenario, link, 'runs_to_store', 'lower', runsToStore(e), runsToStore(w), note),
        row(scenario, link, 'mb_confirmed', 'higher', e.photos.fileBytes / MB, w.photos.fileBytes / MB, note),
        row(
          scenario,
          link,
          'budget_utilisation',
          'higher',
          runsUtilisation(e, link),
          runsUtilisation(w, link),
          note,
        ),
      ];
    }
    case 'memory-20mb': {
      const growth = (label: string) => {
        const m = get(label).measurement.memory!;
        return (m.peakRss - m.baselineRss) / MB;
      };
      const buffers = (label: string) => {
        const m = get(label).measurement.memory!;
        return (m.peakArrayBuffers - m.baselineArrayBuffers) / MB;
      };
      const note = 'Node upload port: peak RSS growth of the uploading process';
      return [
        row(
          scenario,
          link,
          'rss_growth_mb_20mb',
          'lower',
          growth('engine-20mb'),
          growth('baseline-20mb'),
          note,
        ),
        row(scenario, link, 'rss_growth_mb_2mb', 'lower', growth('engine-2mb'), growth('baseline-2mb'), note),
        row(
          scenario,
          link,
          'array_buffers_mb_20mb',
          'lower',
          buffers('engine-20mb'),
          buffers('baseline-20mb'),
          'peak growth, garbage not yet collected included',
        ),
      ];
    }
  }
}

/** crud-10k's ideal time: bytes ÷ bandwidth + requests × RTT + the server's measured apply time. */
export function crudModelMs(
  e: RunRecord,
  calibration: ApplyCalibration,
): { modelMs: number; detail: string } {
  const profile = LINK_PROFILES[e.link];
  const cap = capBytesPerSecond(e.link) ?? Number.POSITIVE_INFINITY;
  const transferMs = ((e.proxy.up + e.proxy.down) / cap) * 1000;
  const n = requests(e.measurement);
  const rttMs = n * 2 * profile.latencyMs;
  const modelMs = transferMs + rttMs + calibration.applyMs;
  return {
    modelMs,
    detail:
      `model ${(modelMs / 1000).toFixed(1)} s = ${((e.proxy.up + e.proxy.down) / MB).toFixed(2)} MB ÷ cap ` +
      `${(transferMs / 1000).toFixed(1)} s + ${n} requests × ${2 * profile.latencyMs} ms ${(rttMs / 1000).toFixed(1)} s + ` +
      `server apply ${(calibration.applyMs / 1000).toFixed(1)} s (measured unshaped)`,
  };
}

export function checkTargets(
  rows: ResultRow[],
  runs: RunRecord[],
  calibration: ApplyCalibration | undefined,
): TargetCheck[] {
  const find = (scenario: ScenarioName, link: BenchLink, metric: string) =>
    rows.find((r) => r.scenario === scenario && r.link === link && r.metric === metric);
  const checks: TargetCheck[] = [];
  const add = (
    target: string,
    scenario: ScenarioName,
    link: BenchLink,
    value: number | null | undefined,
    limit: number,
    atMost: boolean,
    detail: string,
  ) => {
    const v = value ?? null;
    checks.push({
      target,
      scenario,
      link,
      value: v,
      limit,
      pass: v === null ? null : atMost ? v <= limit : v >= limit,
      detail: v === null ? 'not run' : detail,
    });
  };

  const crud = find('crud-10k', '4G', 'ops_per_s');
  add(
    'engine ÷ baseline ops/s ≥ 100',
    'crud-10k',
    '4G',
    crud?.ratio,
    100,
    false,
    crud ? `${fmt(crud.engine)} vs ${fmt(crud.baseline)} ops/s` : '',
  );
  for (const [scenario, limit] of [
    ['photos-2mb', 0.9],
    ['photos-200kb', 0.8],
  ] as const) {
    const u = find(scenario, '4G', 'utilisation');
    add(
      `engine utilisation ≥ ${limit}`,
      scenario,
      '4G',
      u?.engine,
      limit,
      false,
      u ? `baseline ${fmt(u.baseline)}` : '',
    );
  }
  for (const link of ['4G', 'poor3G'] as const) {
    const u = find('budget-ios', link, 'budget_utilisation');
    add(
      'engine photo bytes stored ≥ 0.8 × cap × budget left after CRUD',
      'budget-ios',
      link,
      u?.engine,
      0.8,
      false,
      u ? `${fmt(find('budget-ios', link, 'photo_mb_drained')?.engine ?? null)} MB stored` : '',
    );
  }
  const chunked = find('budget-20mb', 'poor3G', 'budget_utilisation');
  add(
    'a 20 MB photo: confirmed bytes ≥ 0.8 × cap × budget left, over consecutive runs',
    'budget-20mb',
    'poor3G',
    chunked?.engine,
    0.8,
    false,
    chunked
      ? `stored in run ${fmt(find('budget-20mb', 'poor3G', 'runs_to_store')?.engine ?? null, 0)}; whole uploads: ${fmt(chunked.baseline)}, stored in run ${fmt(find('budget-20mb', 'poor3G', 'runs_to_store')?.baseline ?? null, 0)}`
      : '',
  );
  const big = find('memory-20mb', '4G', 'rss_growth_mb_20mb');
  const small = find('memory-20mb', '4G', 'rss_growth_mb_2mb');
  add(
    'engine peak RSS growth ≤ 64 MB (20 MB photos)',
    'memory-20mb',
    '4G',
    big?.engine,
    64,
    true,
    big ? `baseline ${fmt(big.baseline)} MB` : '',
  );
  const flat = big?.engine != null && small?.engine != null ? big.engine - small.engine : null;
  add(
    'flat: growth(20 MB) − growth(2 MB) ≤ 16 MB',
    'memory-20mb',
    '4G',
    flat,
    16,
    true,
    small ? `${fmt(small.engine)} MB with 2 MB photos, ${fmt(big?.engine ?? null)} MB with 20 MB photos` : '',
  );

  const unfinished = runs.filter(
    (r) =>
      r.measurement.side === 'engine' &&
      !r.scenario.startsWith('budget-') &&
      r.measurement.outcome !== 'completed',
  );
  const engineRuns = runs.filter((r) => r.measurement.side === 'engine').length;
  checks.push({
    target: 'every engine run without a budget completes',
    scenario: 'all',
    link: 'all',
    value: unfinished.length,
    limit: 0,
    pass: engineRuns === 0 ? null : unfinished.length === 0,
    detail:
      unfinished
        .map((r) => `${r.scenario} on ${r.link}: ${r.measurement.outcome} (${r.measurement.errors[0] ?? ''})`)
        .join('; ') || `${engineRuns} engine runs`,
  });

  const poor = runs.find((r) => r.scenario === 'crud-10k' && r.link === 'poor3G' && r.label === 'engine');
  if (poor && calibration) {
    const { modelMs, detail } = crudModelMs(poor, calibration);
    const wall = poor.measurement.wallMs;
    add(
      'engine wall ≤ 1.5 × model',
      'crud-10k',
      'poor3G',
      wall / modelMs,
      1.5,
      true,
      `${(wall / 1000).toFixed(1)} s; ${detail}`,
    );
  } else add('engine wall ≤ 1.5 × model', 'crud-10k', 'poor3G', null, 1.5, true, '');
  return checks;
}

export function fmt(v: number | null, digits?: number): string {
  if (v === null) return '—';
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

// The scenarios and their counts per link. Counts on poor 3G are scaled down so the full run ends in
// reasonable time (100 × 2 MB at 1.5 Mbit/s alone would take 18 min); every figure that compares
// is a rate or a share, so a smaller count still compares like with like. Baselines too slow to
// finish run over a bounded window and are compared by rate (their totals projected).
import type { LinkProfileName } from '@vhd/device-sim';
import type { CrudWork, Side } from './device/protocol';

export const SCENARIOS = [
  'crud-10k',
  'photos-2mb',
  'photos-200kb',
  'mixed',
  'budget-ios',
  'budget-20mb',
  'memory-20mb',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const LINKS = ['4G', 'poor3G'] as const satisfies readonly LinkProfileName[];
export type BenchLink = LinkProfileName;

/** Photo sizes of the simulator's photo factory (PHOTO_SIZES). */
export const PHOTO_BYTES = { '200kb': 200_000, '2mb': 2_000_000, '20mb': 20_000_000 } as const;
export type PhotoSize = keyof typeof PHOTO_BYTES;

export interface WorkloadSpec {
  crud?: CrudWork;
  photos?: Array<{ size: PhotoSize; count: number }>;
}

export interface RunSpec {
  /** Unique within the scenario, e.g. `engine`, `baseline`, `engine-2mb`. */
  label: string;
  side: Side;
  workload: WorkloadSpec;
  windowMs?: number;
  budgetMs?: number;
  safetyMarginMs?: number;
  presyncPhotoRows?: boolean;
  sampleMemory?: boolean;
  /** Background runs of `budgetMs` one after another on the same phone. */
  runs?: number;
  uploadChunkBytes?: number;
  /** An upload port that cannot send a part of a file: photos go whole (the engine before chunking). */
  wholeUploads?: boolean;
}

export interface ScenarioSpec {
  name: ScenarioName;
  link: BenchLink;
  runs: RunSpec[];
  /** What was scaled or left out, printed with the results. */
  notes: string[];
}

/** DESIGN: the iOS processing run gets 3 min with a 15 s safety margin. */
const IOS_BUDGET_MS = 180_000;
const IOS_MARGIN_MS = 15_000;
/** DESIGN: chunks of 6 MB (Cloudinary takes none but the last under 5 MB). */
const CHUNK_BYTES = 6_000_000;

type PerLink<T> = Partial<Record<BenchLink, T>>;

interface Counts {
  crudTx: number;
  /** Transactions the baseline gets (it only gets through a window's worth). */
  baselineCrudTx: number;
  crudWindowMs: number;
  photos2mb: PerLink<number>;
  photos200kb: PerLink<number>;
  photoWindowMs: number;
  mixed: PerLink<{ jobs: number; photos2mb: number; photos200kb: number }>;
  /** The iOS budget is scaled by this factor (margin too). */
  budgetScale: number;
  budget: PerLink<{ tx: number; photos2mb: number; photos200kb: number }>;
  /** One 20 MB photo, in this many budget runs one after another. */
  budget20mb: PerLink<{ runs: number }>;
  memoryPhotos: number;
  memoryWindowMs: number;
  /** Links the memory scenario runs on (20 × 20 MB on poor 3G would take 37 min). */
  memoryLinks: BenchLink[];
}

const FULL: Counts = {
  crudTx: 10_000,
  baselineCrudTx: 1_000,
  crudWindowMs: 20_000,
  photos2mb: { '4G': 100, poor3G: 6, none: 100 },
  photos200kb: { '4G': 1_000, poor3G: 60, none: 1_000 },
  photoWindowMs: 25_000,
  mixed: {
    '4G': { jobs: 100, photos2mb: 10, photos200kb: 30 },
    poor3G: { jobs: 40, photos2mb: 2, photos200kb: 8 },
    none: { jobs: 100, photos2mb: 10, photos200kb: 30 },
  },
  budgetScale: 1 / 6,
  budget: {
    '4G': { tx: 2_000, photos2mb: 60, photos200kb: 100 },
    poor3G: { tx: 2_000, photos2mb: 6, photos200kb: 20 },
    none: { tx: 2_000, photos2mb: 60, photos200kb: 100 },
  },
  budget20mb: { poor3G: { runs: 5 } },
  memoryPhotos: 20,
  memoryWindowMs: 15_000,
  memoryLinks: ['4G', 'none'],
};

const QUICK: Counts = {
  crudTx: 1_000,
  baselineCrudTx: 200,
  crudWindowMs: 5_000,
  photos2mb: { '4G': 10, poor3G: 2, none: 10 },
  photos200kb: { '4G': 50, poor3G: 10, none: 50 },
  photoWindowMs: 6_000,
  mixed: {
    '4G': { jobs: 20, photos2mb: 2, photos200kb: 5 },
    poor3G: { jobs: 10, photos2mb: 1, photos200kb: 2 },
    none: { jobs: 20, photos2mb: 2, photos200kb: 5 },
  },
  budgetScale: 1 / 12,
  budget: {
    '4G': { tx: 500, photos2mb: 15, photos200kb: 20 },
    poor3G: { tx: 500, photos2mb: 2, photos200kb: 5 },
    none: { tx: 500, photos2mb: 15, photos200kb: 20 },
  },
  budget20mb: { poor3G: { runs: 3 } },
  memoryPhotos: 4,
  memoryWindowMs: 5_000,
  memoryLinks: ['4G', 'none'],
};

const both = (run: Omit<RunSpec, 'label' | 'side'>, baseline: Partial<RunSpec> = {}): RunSpec[] => [
  { label: 'engine', side: 'engine', ...run },
  { label: 'baseline', side: 'baseline', ...run, ...baseline },
];

/** The scenario on this link, or null when it does not run there. */
export function planScenario(name: ScenarioName, link: BenchLink, quick: boolean): ScenarioSpec | null {
  const c = quick ? QUICK : FULL;
  const s = (runs: RunSpec[], notes: string[] = []): ScenarioSpec => ({ name, link, runs, notes });
  switch (name) {
    case 'crud-10k':
      return s(
        [
          {
            label: 'engine',
            side: 'engine',
            workload: { crud: { transactions: c.crudTx, shape: 'schedule' } },
          },
          {
            label: 'baseline',
            side: 'baseline',
            workload: { crud: { transactions: c.baselineCrudTx, shape: 'schedule' } },
            windowMs: c.crudWindowMs,
          },
        ],
        [`baseline measured over ${c.crudWindowMs / 1000} s and compared by rate; its totals are projected`],
      );
    case 'photos-2mb':
    case 'photos-200kb': {
      const size = name === 'photos-2mb' ? '2mb' : '200kb';
      const count = (size === '2mb' ? c.photos2mb : c.photos200kb)[link];
      if (!count) return null;
      return s(
        both(
          { workload: { photos: [{ size, count }] } },
          { windowMs: c.photoWindowMs, presyncPhotoRows: true },
        ),
        [
          `${count} photos`,
          `baseline over a ${c.photoWindowMs / 1000} s window, its photo rows synced before its clock starts`,
        ],
      );
    }
    case 'mixed': {
      const m = c.mixed[link];
      if (!m) return null;
      return s(
        both({
          workload: {
            crud: { transactions: m.jobs, shape: 'job' },
            photos: [
              { size: '2mb', count: m.photos2mb },
              { size: '200kb', count: m.photos200kb },
            ],
          },
        }),
        [`${m.jobs} jobs (3 ops each) + ${m.photos2mb} × 2 MB + ${m.photos200kb} × 200 kB photos`],
      );
    }
    case 'budget-ios': {
      const b = c.budget[link];
      if (!b) return null;
      const budgetMs = Math.round(IOS_BUDGET_MS * c.budgetScale);
      const safetyMarginMs = Math.round(IOS_MARGIN_MS * c.budgetScale);
      return s(
        both({
          workload: {
            crud: { transactions: b.tx, shape: 'schedule' },
            photos: [
              { size: '2mb', count: b.photos2mb },
              { size: '200kb', count: b.photos200kb },
            ],
          },
          budgetMs,
          safetyMarginMs,
        }),
        [
          `the 3 min iOS budget scaled to ${budgetMs / 1000} s (safety margin ${safetyMarginMs / 1000} s); ` +
            `backlog ${b.tx} transactions + ${b.photos2mb} × 2 MB + ${b.photos200kb} × 200 kB, more than drains`,
        ],
      );
    }
    case 'budget-20mb': {
      const b = c.budget20mb[link];
      if (!b) return null;
      const budgetMs = Math.round(IOS_BUDGET_MS * c.budgetScale);
      const safetyMarginMs = Math.round(IOS_MARGIN_MS * c.budgetScale);
      const uploadChunkBytes = Math.round(CHUNK_BYTES * c.budgetScale);
      const run = {
        side: 'engine' as const,
        workload: { photos: [{ size: '20mb' as const, count: 1 }] },
        budgetMs,
        safetyMarginMs,
        runs: b.runs,
        uploadChunkBytes,
      };
      return s(
        [
          { label: 'engine', ...run },
          { label: 'engine-whole', ...run, wholeUploads: true },
        ],
        [
          `one 20 MB photo, ${b.runs} iOS background runs of ${budgetMs / 1000} s one after another ` +
            `(margin ${safetyMarginMs / 1000} s); chunks of ${uploadChunkBytes / 1e6} MB (DESIGN's 6 MB scaled like the budget); ` +
            'the baseline column is the engine uploading whole files (an upload port without ranges)',
        ],
      );
    }
    case 'memory-20mb': {
      if (!c.memoryLinks.includes(link)) return null;
      const runs: RunSpec[] = [];
      for (const size of ['20mb', '2mb'] as const) {
        const workload = { photos: [{ size, count: c.memoryPhotos }] };
        runs.push(
          { label: `engine-${size}`, side: 'engine', workload, sampleMemory: true },
          {
            label: `baseline-${size}`,
            side: 'baseline',
            workload,
            sampleMemory: true,
            presyncPhotoRows: true,
            windowMs: c.memoryWindowMs,
          },
        );
      }
      return s(runs, [
        `Node upload port; ${c.memoryPhotos} photos of each size; baseline over a ${c.memoryWindowMs / 1000} s window`,
      ]);
    }
  }
}

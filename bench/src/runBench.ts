// One benchmark session: the server in its own process, one link emulator in front of it (this
// process), and each measured job in a fresh device child process with a fresh user, so engine and
// baseline never share a queue, a database file or a server-side watermark.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkEmulator, type LinkStats, writePhoto } from '@vhd/device-sim';
import type { DeviceJob, DeviceProgress, PhotoWork } from './device/protocol';
import { runDeviceJob } from './deviceProcess';
import {
  type ApplyCalibration,
  checkTargets,
  type ResultRow,
  type RunRecord,
  scenarioRows,
  type TargetCheck,
} from './figures';
import { describeMachine, type Machine } from './machine';
import {
  type BenchLink,
  PHOTO_BYTES,
  type PhotoSize,
  planScenario,
  type RunSpec,
  type ScenarioName,
  type ScenarioSpec,
} from './scenarios';
import { type ServerProcess, startServerProcess } from './serverProcess';

export interface BenchOptions {
  scenarios: readonly ScenarioName[];
  links: readonly BenchLink[];
  quick: boolean;
  /** Where progress lines go. */
  log(line: string): void;
  /** Progress line interval per job (default 5 s). */
  progressEveryMs?: number;
}

export interface BenchResults {
  machine: Machine;
  date: string;
  mode: 'full' | 'quick';
  durationS: number;
  results: ResultRow[];
  targets: TargetCheck[];
  notes: Array<{ scenario: ScenarioName; link: BenchLink; notes: string[] }>;
  calibration?: ApplyCalibration;
  runs: RunRecord[];
  /** Scenarios re-run later (`--merge`) whose rows replaced this run's: each their own session. */
  reruns?: Array<{ date: string; machine: Machine; durationS: number; scenarios: string[] }>;
}

/**
 * `base` with the scenario/link pairs of `rerun` replaced by the rerun's rows, runs and notes, and
 * the targets checked again over the result; the rerun is recorded in `reruns`.
 */
export function mergeRerun(base: BenchResults, rerun: BenchResults): BenchResults {
  const key = (x: { scenario: string; link: string }) => `${x.scenario}/${x.link}`;
  const replaced = new Set(rerun.notes.map(key));
  // In the base's order: each replaced pair's new entries where its old ones were, new pairs last.
  const merge = <T extends { scenario: string; link: string }>(old: T[], fresh: T[]): T[] => {
    const out: T[] = [];
    const placed = new Set<string>();
    for (const x of old) {
      const k = key(x);
      if (!replaced.has(k)) out.push(x);
      else if (!placed.has(k)) {
        placed.add(k);
        out.push(...fresh.filter((y) => key(y) === k));
      }
    }
    return [...out, ...fresh.filter((y) => !placed.has(key(y)))];
  };
  const results = merge(base.results, rerun.results);
  const runs = merge(base.runs, rerun.runs);
  return {
    ...base,
    results,
    runs,
    notes: merge(base.notes, rerun.notes),
    targets: checkTargets(results, runs, base.calibration ?? rerun.calibration),
    reruns: [
      ...(base.reruns ?? []),
      { date: rerun.date, machine: rerun.machine, durationS: rerun.durationS, scenarios: [...replaced] },
    ],
  };
}

const MB = 1_000_000;

/**
 * The server process, the link in front of it and the photo templates, shared by every job of a
 * session; `runScenario` runs each of a scenario's jobs in a fresh device child with a fresh user.
 */
export class BenchSession {
  readonly runs: RunRecord[] = [];
  private readonly templates = new Map<PhotoSize, Promise<string>>();

  private constructor(
    private readonly root: string,
    private readonly server: ServerProcess,
    private readonly link: LinkEmulator,
    private readonly log: (line: string) => void,
    private readonly progressEveryMs: number,
  ) {}

  static async start(log: (line: string) => void, progressEveryMs = 5_000): Promise<BenchSession> {
    const root = await mkdtemp(join(tmpdir(), 'vhd-bench-'));
    log('starting the server (own process, PGlite, dev auth, dev media store)…');
    const server = await startServerProcess();
    const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port: server.port } });
    return new BenchSession(root, server, link, log, progressEveryMs);
  }

  /** Runs the scenario's jobs in order; returns their records by label. */
  async runScenario(spec: Pick<ScenarioSpec, 'name' | 'link' | 'runs'>): Promise<Map<string, RunRecord>> {
    const byLabel = new Map<string, RunRecord>();
    for (const run of spec.runs) byLabel.set(run.label, await this.runOne(spec, run));
    return byLabel;
  }

  async close(): Promise<void> {
    await this.link.close();
    await this.server.stop();
    await rm(this.root, { recursive: true, force: true });
  }

  private template(size: PhotoSize): Promise<string> {
    let path = this.templates.get(size);
    if (!path) {
      const dir = join(this.root, 'templates');
      const file = join(dir, `${size}.jpg`);
      path = mkdir(dir, { recursive: true })
        .then(() => writePhoto(file, { seed: PHOTO_BYTES[size], targetBytes: PHOTO_BYTES[size] }))
        .then(() => file);
      this.templates.set(size, path);
    }
    return path;
  }

  private async runOne(spec: Pick<ScenarioSpec, 'name' | 'link'>, run: RunSpec): Promise<RunRecord> {
    const { server, link, log } = this;
    const tag = `${spec.link} ${spec.name} ${run.label}`;
    link.setProfile(spec.link);
    const id = randomBytes(5).toString('hex');
    const workDir = join(this.root, `${spec.name}-${spec.link}-${run.label}-${id}`);
    await mkdir(workDir, { recursive: true });
    const photos: PhotoWork[] = [];
    for (const p of run.workload.photos ?? []) {
      if (p.count > 0) photos.push({ count: p.count, templatePath: await this.template(p.size) });
    }
    const job: DeviceJob = {
      side: run.side,
      linkUrl: link.url,
      serverUrl: server.url,
      token: await server.sessionToken(`user_${id}`, `org_${id}`),
      workDir,
      workload: { ...(run.workload.crud ? { crud: run.workload.crud } : {}), photos },
      ...pick(run, [
        'windowMs',
        'budgetMs',
        'safetyMarginMs',
        'presyncPhotoRows',
        'sampleMemory',
        'runs',
        'uploadChunkBytes',
        'wholeUploads',
      ]),
    };
    log(`▶ ${tag}: setting up`);
    let before: LinkStats | undefined;
    let lastLine = 0;
    const measurement = await runDeviceJob(job, {
      onReady: () => {
        server.takeUploadTimes();
        before = link.stats();
        lastLine = Date.now();
        log(`  ${tag}: measuring`);
      },
      onProgress: (p) => {
        if (Date.now() - lastLine < this.progressEveryMs) return;
        lastLine = Date.now();
        log(`  ${tag}: ${progressLine(p)}`);
      },
    });
    const after = link.stats();
    // Bytes of abandoned uploads may still sit in socket buffers on their way through the link:
    // they belong to no later job.
    link.resetConnections();
    // The server logs a request's completion just after answering it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const record: RunRecord = {
      scenario: spec.name,
      link: spec.link,
      label: run.label,
      measurement,
      proxy: { up: after.up.bytes - before!.up.bytes, down: after.down.bytes - before!.down.bytes },
      serverUploadMs: server.takeUploadTimes(),
    };
    await rm(workDir, { recursive: true, force: true });
    const m = measurement;
    log(
      `✓ ${tag}: ${(m.wallMs / 1000).toFixed(1)} s, ${m.outcome}, ${m.crud.applied} ops, ` +
        `${m.photos.stored}/${m.photos.total} photos${m.errors.length ? `, ${m.errors.length} errors: ${m.errors[0]}` : ''}`,
    );
    this.runs.push(record);
    return record;
  }
}

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const started = Date.now();
  const machine = describeMachine();
  const session = await BenchSession.start(options.log, options.progressEveryMs);
  const results: ResultRow[] = [];
  const notes: BenchResults['notes'] = [];
  let calibration: ApplyCalibration | undefined;
  try {
    for (const link of options.links) {
      for (const name of options.scenarios) {
        const spec = planScenario(name, link, options.quick);
        if (!spec) continue;
        if (name === 'crud-10k' && !calibration) {
          // The server's own apply time for the same work, on an unshaped link (loopback), for the model.
          const engine = { ...spec.runs.find((r) => r.side === 'engine')!, label: 'engine-unshaped' };
          const r = (await session.runScenario({ name, link: 'none', runs: [engine] })).get(engine.label)!;
          calibration = {
            applyMs: r.serverUploadMs.reduce((a, b) => a + b, 0),
            requests: r.serverUploadMs.length,
          };
        }
        results.push(...scenarioRows(name, link, await session.runScenario(spec)));
        notes.push({ scenario: name, link, notes: spec.notes });
      }
    }
  } finally {
    await session.close();
  }
  return {
    machine,
    date: new Date(started).toISOString(),
    mode: options.quick ? 'quick' : 'full',
    durationS: Math.round((Date.now() - started) / 1000),
    results,
    targets: checkTargets(results, session.runs, calibration),
    notes,
    ...(calibration ? { calibration } : {}),
    runs: session.runs,
  };
}

function progressLine(p: DeviceProgress): string {
  const parts = [];
  if (p.crudTotal > 0) parts.push(`${p.crudLeft} of ${p.crudTotal} ops still queued`);
  if (p.photosTotal > 0) {
    parts.push(`${p.photosStored}/${p.photosTotal} photos (${(p.fileBytes / MB).toFixed(1)} MB)`);
  }
  parts.push(`${(p.elapsedMs / 1000).toFixed(0)} s`);
  return parts.join(', ');
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

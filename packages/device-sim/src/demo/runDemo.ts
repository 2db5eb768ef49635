// The demo: the whole system on embedded defaults. Our server (PGlite in a temporary DATA_DIR, dev
// auth, dev media store), the PowerSync test double, and several technicians' phones — each a child
// process running the real engine on @powersync/node behind its own emulated link — through a
// shift on a simulated clock; then every phone syncs up and the consistency check runs.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUDGET_MS } from '@vhd/background-sync';
import type { ReplicationLag } from '@vhd/powersync-double';
import { Activity } from '../activity';
import { SimBackend } from '../backend/simBackend';
import { type ConsistencyReport, checkConsistency } from '../consistency';
import { IntentLog } from '../intentLog';
import type { LinkProfileName } from '../linkEmulator';
import { PHOTO_SIZES } from '../photoFactory';
import { SeededRandom } from '../seededRandom';
import { DEFAULT_SIM_START, SimClock } from '../simClock';
import { type Platform, SimulatedDevice } from '../simulatedDevice';
import { driveClock } from './clockDriver';
import { planDay, planJobs, runShift, type Technician } from './shift';

export interface DemoOptions {
  technicians: number;
  /** Photos per technician. */
  photos: number;
  platform: Platform | 'mixed';
  link: LinkProfileName;
  seed: number;
  /** Length of the shift in hours (simulated). */
  hours: number;
  photoSize: keyof typeof PHOTO_SIZES;
  /** Keep the temporary folder (server data, phones' databases and logs). */
  keep?: boolean;
  /** The PowerSync double's replication lag (default its own, like the real service's). */
  replicationLagMs?: ReplicationLag;
  /** Keep the server up after the check (the result's `office`), for a look at the office page. */
  serve?: boolean;
  /** The server's port (default: a free one). */
  port?: number;
}

/** The demo's server, still up (`serve`): the office page and how to sign in to it. */
export interface ServedOffice {
  url: string;
  signInUrl: string;
  orgId: string;
  close(): Promise<void>;
}

export interface DemoProgress {
  phase: 'starting' | 'shift' | 'evening' | 'final sync' | 'checking';
  at: number;
  runs: number;
  photosTaken: number;
  photosSynced: number;
  opsApplied: number;
}

export interface DemoResult {
  ok: boolean;
  report: ConsistencyReport;
  devices: SimulatedDevice[];
  /** Simulated span of the day (for the timeline). */
  from: number;
  to: number;
  durationMs: number;
  /** Errors of the simulation itself. */
  errors: string[];
  dir: string;
  linkBytes: { up: number; down: number };
  office?: ServedOffice;
}

const ORG = 'org_vhd_demo';
const EVENING_MS = 2 * 60 * 60_000;
const FINAL_SYNC_MS = 90_000;

export async function runDemo(
  options: DemoOptions,
  onProgress?: (p: DemoProgress) => void,
): Promise<DemoResult> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'vhd-demo-'));
  const clock = new SimClock({ start: DEFAULT_SIM_START });
  const random = SeededRandom.fromSeed(options.seed);
  const activity = new Activity();
  const intents = new IntentLog();
  let phase: DemoProgress['phase'] = 'starting';
  const devices: SimulatedDevice[] = [];
  const progress = (): DemoProgress => {
    const reports = devices.flatMap((d) => d.runs.map((r) => r.report?.counts ?? {}));
    const sum = (k: string) => reports.reduce((n, c) => n + (c[k] ?? 0), 0);
    return {
      phase,
      at: clock.now(),
      runs: devices.reduce((n, d) => n + d.runs.length, 0),
      photosTaken: intents.photos.filter((p) => p.confirmed).length,
      photosSynced: sum('photos.uploaded') + sum('photos.alreadyUploaded'),
      opsApplied: sum('crud.applied'),
    };
  };
  const ticker = onProgress ? setInterval(() => onProgress(progress()), 1_000) : undefined;

  const backend = await SimBackend.start({
    dataDir: join(dir, 'server'),
    ...(options.replicationLagMs === undefined ? {} : { replicationLagMs: options.replicationLagMs }),
    // The office page and the health reports' times follow the shift, not the wall clock.
    now: () => clock.now(),
    ...(options.port ? { port: options.port } : {}),
  });
  let ok = false;
  let served = false;
  try {
    const office = backend.office(ORG);
    await office.setUp('VHD Hood Cleaning');
    const technicians: Technician[] = [];
    for (let i = 0; i < options.technicians; i++) {
      const name = `tech${i + 1}`;
      const platform: Platform =
        options.platform === 'mixed' ? (i % 2 === 0 ? 'ios' : 'android') : options.platform;
      const device = await SimulatedDevice.create({
        name,
        userId: `user_${name}`,
        orgId: ORG,
        platform,
        backend,
        dir: join(dir, name),
        clock,
        random: random.fork(),
        activity,
        intents,
        link: options.link,
      });
      devices.push(device);
      technicians.push({
        device,
        jobs: planJobs(options.photos, random, i * 3),
        photos: Array.from({ length: options.photos }, (_, k) => `IMG_${String(k + 1).padStart(4, '0')}.jpg`),
      });
    }
    const shift = {
      clock,
      random,
      office,
      intents,
      technicians,
      start: clock.now(),
      lengthMs: options.hours * 3_600_000,
    };
    await planDay(shift);
    // Cameras full of JPEGs of realistic sizes, generated in the phones' own processes in parallel.
    const target = PHOTO_SIZES[options.photoSize];
    await Promise.all(
      technicians.map((t, i) =>
        t.device.prepareCameraRoll(
          t.photos.map((file, k) => ({
            file,
            seed: options.seed * 1000 + i * 100 + k,
            targetBytes: Math.round(target * random.uniform(0.7, 1.3)),
          })),
        ),
      ),
    );

    phase = 'shift';
    let shiftOver = false;
    const day = runShift(shift).finally(() => {
      shiftOver = true;
    });
    await driveClock(clock, activity, () => shiftOver, shift.start + shift.lengthMs + 4 * 3_600_000);
    await day;
    phase = 'evening';
    await driveClock(clock, activity, () => false, clock.now() + EVENING_MS);

    // Next morning: every technician opens the app; it syncs up in the foreground.
    phase = 'final sync';
    clock.realtime(1);
    await Promise.all(devices.map((d) => d.openApp()));
    const report = await finalSync(backend, devices, intents);
    clock.discrete();
    phase = 'checking';
    const errors = devices.flatMap((d) => d.errors.map((e) => `${d.name}: ${e}`));
    ok = report.ok && errors.length === 0;
    const links = devices.map((d) => d.link.stats());
    served = options.serve === true;
    return {
      ok,
      report,
      devices,
      from: shift.start,
      to: clock.now(),
      durationMs: performance.now() - started,
      errors,
      dir,
      linkBytes: {
        up: links.reduce((n, s) => n + s.up.bytes, 0),
        down: links.reduce((n, s) => n + s.down.bytes, 0),
      },
      ...(served ? { office: servedOffice(backend, () => cleanUp(ok)) } : {}),
    };
  } finally {
    if (ticker) clearInterval(ticker);
    clock.discrete();
    await Promise.all(devices.map((d) => d.close()));
    if (!served) await cleanUp(ok);
  }

  async function cleanUp(passed: boolean): Promise<void> {
    await backend.close();
    if (passed && !options.keep) await rm(dir, { recursive: true, force: true });
  }
}

function servedOffice(backend: SimBackend, close: () => Promise<void>): ServedOffice {
  const org = ORG.replace(/^org_/, '');
  return {
    url: `${backend.url}/office`,
    signInUrl: `${backend.url}/office/sign-in?user=office&org=${org}`,
    orgId: ORG,
    close,
  };
}

/**
 * Waits (real time) until every phone is quiet — nothing queued, no photo waiting — tapping
 * "sync now" for photos that wait, then checks; the phones' copies converge shortly after the
 * server's last change, so a check that only lacks convergence is repeated for a while.
 */
async function finalSync(
  backend: SimBackend,
  devices: SimulatedDevice[],
  intents: IntentLog,
): Promise<ConsistencyReport> {
  const until = performance.now() + FINAL_SYNC_MS;
  for (;;) {
    const statuses = await Promise.all(devices.map((d) => d.status()));
    const waiting = statuses.map(
      (s) => s.pendingChanges > 0 || (s.photos.QUEUED_UPLOAD ?? 0) + (s.photos.UPLOADING ?? 0) > 0,
    );
    if (waiting.every((w) => !w) || performance.now() > until) break;
    await Promise.all(
      devices.map((d, i) =>
        waiting[i] && d.runsInFlight === 0 ? d.runNow(BUDGET_MS.manual, 'manual') : null,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (;;) {
    await backend.settle();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const snapshots = await Promise.all(devices.map((d) => d.snapshot()));
    const report = await checkConsistency({
      backend,
      devices: devices.map((d, i) => ({
        name: d.name,
        orgId: d.orgId,
        snapshot: snapshots[i]!,
        runs: d.runs,
      })),
      intents,
      requireConvergence: true,
    });
    const onlyConvergence = report.checks.every(
      (c) => c.problems.length === 0 || c.name === 'devices converged',
    );
    if (report.ok || !onlyConvergence || performance.now() > until) return report;
  }
}

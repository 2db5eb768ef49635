// One crash/fault trial: a technician's phone (a real child process) writes rows and takes photos,
// then goes through its planned sessions — each a background run under faults, perhaps killed —
// and recovery runs without faults until it is quiet. Then the consistency check (src/consistency.ts).
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SyncSettings } from '@vhd/background-sync';
import type { LogLevel } from '@vhd/background-sync/node';
import { Activity } from '../activity';
import type { MediaDisk } from '../backend/mediaDisk';
import type { Office } from '../backend/office';
import type { PostgresCluster } from '../backend/postgresCluster';
import type { SimBackend } from '../backend/simBackend';
import { type ConsistencyReport, checkConsistency } from '../consistency';
import type { BrokenEngine, LocalWrite } from '../device/protocol';
import { IntentLog } from '../intentLog';
import { SeededRandom } from '../seededRandom';
import { SimClock } from '../simClock';
import { ProcessGone, type RunRecord, SimulatedDevice } from '../simulatedDevice';
import {
  OVER_LIMIT_PHOTO_BYTES,
  planTrial,
  type ServerFault,
  type TrialFault,
  type TrialPlan,
  type TrialPlanOptions,
  type TrialSession,
} from './trialPlan';

/** DESIGN's numbers scaled down so a trial takes seconds (budgets are 3–6 s). */
export const TRIAL_SETTINGS: Partial<SyncSettings> = {
  safetyMarginMs: 300,
  requestTimeoutMs: 1_500,
  uploadStallMs: 1_000,
  disconnectTimeoutMs: 1_000,
  downloadMinRemainingMs: 300,
  downloadMaxWaitMs: 1_500,
  retryBaseMs: 50,
  retryCapMs: 300,
};
const TRIAL_CONNECT = { retryDelayMs: 100, crudUploadThrottleMs: 10 };
const RECOVERY_BUDGET_MS = 10_000;
const MAX_RECOVERY_RUNS = 8;
const OVER_LIMIT_FILE = 'IMG_big.jpg';
const REJECTED_ROW_FILE = 'IMG_rejected.jpg';

export interface TrialContext {
  backend: SimBackend;
  /** Folder for the trial's phone (removed after a passing trial). */
  dir: string;
  broken?: BrokenEngine;
  logLevel?: LogLevel;
  /** Progress lines of the trial's steps (verbose output). */
  trace?: (line: string) => void;
  /**
   * Server and database faults: the backend's server runs in a child process (SIGKILLs, fault
   * points); `postgres` is its database's cluster (restarts), `mediaDisk` its media store's disk.
   */
  serverFaults?: { postgres: PostgresCluster | null; mediaDisk: MediaDisk | null };
}

export interface TrialResult {
  seed: number;
  plan: TrialPlan;
  ok: boolean;
  /** Why the trial failed, when it did not get as far as the check (or the check failed). */
  failure?: string;
  report?: ConsistencyReport;
  runs: RunRecord[];
  kills: number;
  recoveryRuns: number;
  faultsActed: Record<string, number>;
  /** Times the server process died (SIGKILL from outside or at a fault point) and was restarted. */
  serverRestarts: number;
  durationMs: number;
  dir: string;
}

/** Runs an action of the technician; undefined when the app died before answering. */
async function attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (e) {
    if (e instanceof ProcessGone) return undefined;
    throw e;
  }
}

export async function runTrial(ctx: TrialContext, seed: number): Promise<TrialResult> {
  const started = performance.now();
  const plan = planTrial(seed, planOptions(ctx));
  const r = SeededRandom.fromSeed(seed ^ 0x5eed);
  const suffix = `${seed}_${randomUUID().slice(0, 8)}`;
  const orgId = `org_trial_${suffix}`;
  const intents = new IntentLog();
  const dir = join(ctx.dir, `trial-${seed}`);
  const device = await SimulatedDevice.create({
    name: `trial-${seed}`,
    userId: `user_trial_${suffix}`,
    orgId,
    platform: 'android',
    backend: ctx.backend,
    dir,
    // Trials drive runs by hand: the OS scheduler never launches and its clock never moves.
    clock: new SimClock(),
    random: r.fork(),
    activity: new Activity(),
    intents,
    link: plan.link,
    osLaunches: false,
    settings: TRIAL_SETTINGS,
    connectOptions: TRIAL_CONNECT,
    ...(plan.tokenExpiry ? { tokenTtlSec: 2, staleTokens: true } : {}),
    ...(ctx.broken ? { broken: ctx.broken } : {}),
    ...(ctx.logLevel ? { logLevel: ctx.logLevel } : {}),
    commandTimeoutMs: 60_000,
  });
  const result: TrialResult = {
    seed,
    plan,
    ok: false,
    runs: device.runs,
    kills: 0,
    recoveryRuns: 0,
    faultsActed: {},
    serverRestarts: 0,
    durationMs: 0,
    dir,
  };
  const office = ctx.backend.office(orgId);
  const trace = (line: string) =>
    ctx.trace?.(`[${seed}] ${Math.round(performance.now() - started)} ms ${line}`);
  try {
    await office.setUp(`Trial ${seed}`);
    const technician = new Technician(device, r, orgId, intents);
    await device.prepareCameraRoll([
      ...plan.photos.map((bytes, i) => ({ file: `IMG_${i}.jpg`, seed: seed * 10 + i, targetBytes: bytes })),
      ...(plan.overLimitPhoto
        ? [{ file: OVER_LIMIT_FILE, seed: seed * 10 + 7, targetBytes: OVER_LIMIT_PHOTO_BYTES }]
        : []),
      ...(plan.photoOnRejectedRow
        ? [{ file: REJECTED_ROW_FILE, seed: seed * 10 + 8, targetBytes: 80_000 }]
        : []),
    ]);
    trace('camera roll ready');
    for (const [i, session] of plan.sessions.entries()) {
      await runSession(device, ctx, session, async () => {
        if (i === 0) await technician.firstDay(plan);
        else await technician.edits(session.edits, plan.invoiceConflict && i === 1 ? office : null);
      });
      trace(`session ${i + 1}: ${device.runs.at(-1)?.outcome}`);
    }

    for (; result.recoveryRuns < MAX_RECOVERY_RUNS; ) {
      await device.runsSettled();
      result.recoveryRuns++;
      const report = await device.runNow(RECOVERY_BUDGET_MS, 'background').catch((e: unknown) => {
        if (e instanceof ProcessGone) return null;
        throw e;
      });
      trace(`recovery run ${result.recoveryRuns}: ${report?.outcome ?? 'killed'}`);
      if (report?.outcome !== 'completed') {
        // The OS would run the task again only much later: at least honour a Retry-After.
        const wait = report?.retryAt ? report.retryAt - Date.now() : 0;
        await new Promise((resolve) => setTimeout(resolve, Math.min(3_000, Math.max(200, wait))));
        continue;
      }
      const s = await device.status();
      if (s.pendingChanges === 0 && !s.photos.QUEUED_UPLOAD && !s.photos.UPLOADING) break;
    }
    const snapshot = await device.snapshot();
    result.report = await checkConsistency({
      backend: ctx.backend,
      devices: [
        {
          name: device.name,
          orgId,
          snapshot,
          runs: device.runs,
          largestMediaRequest: device.gateway.largestRequest.media ?? 0,
        },
      ],
      intents,
    });
    trace('checked');
    result.ok = result.report.ok;
    if (!result.ok) result.failure = result.report.checks.find((c) => c.problems.length > 0)?.problems[0];
  } catch (e) {
    result.failure = `trial error: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    result.kills = device.kills;
    result.faultsActed = { ...device.gateway.faults };
    result.serverRestarts = (ctx.backend.process?.starts ?? 1) - 1;
    await device.close();
    trace('closed');
    ctx.backend.forget(orgId);
    result.durationMs = performance.now() - started;
    if (result.ok) await rm(dir, { recursive: true, force: true });
  }
  return result;
}

/**
 * One session: faults and the kill point armed, the technician's work in the app (a resume run
 * starts), then — once that run ended — the background task's run. Faults cleared after.
 */
export function planOptions(ctx: Pick<TrialContext, 'serverFaults'>): TrialPlanOptions {
  return ctx.serverFaults ? { serverFaults: true, postgres: ctx.serverFaults.postgres !== null } : {};
}

async function runSession(
  device: SimulatedDevice,
  ctx: TrialContext,
  session: TrialSession,
  work: () => Promise<void>,
): Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const background: Promise<unknown>[] = [];
  const at = (ms: number, fn: () => unknown) =>
    timers.push(setTimeout(() => background.push(Promise.resolve(fn()).catch(() => {})), ms));
  const { kill, serverFault } = session;
  let afterSession: (() => Promise<void>) | null = null;
  try {
    for (const f of session.faults) if (f.kind === 'gateway') applyFault(device, f, at);
    // From the start, so the resume catch-up (which usually uploads the session's work) meets it too.
    if (serverFault) afterSession = await applyServerFault(ctx, serverFault, at);
    if (kill.kind === 'point') await device.armKill(kill.point, kill.nth);
    await work();
    for (const f of session.faults) if (f.kind !== 'gateway') await applyFault(device, f, at);
    if (kill.kind === 'instant') at(kill.afterMs, () => void device.kill('trial: kill at an instant'));
    await device.runsSettled();
    await device.runNow(session.budgetMs, 'background');
  } catch (e) {
    if (!(e instanceof ProcessGone)) throw e;
  } finally {
    for (const t of timers) clearTimeout(t);
    await Promise.all(background);
    await afterSession?.();
    const server = ctx.backend.process;
    if (server) {
      // Back up (after a kill) and with nothing armed before the phone goes on.
      await server.up();
      await server.disarm();
    }
    device.gateway.clearFaults();
    device.link.blackhole(false);
    await device.setOnline(true);
    await device.runsSettled();
    if (kill.kind === 'point' && device.isRunning) await device.armKill(null, 0);
  }
}

/** Acts out a server fault; returns what to do when the session ends (free a full disk, a restart not yet due). */
async function applyServerFault(
  ctx: TrialContext,
  f: ServerFault,
  at: (ms: number, fn: () => unknown) => void,
): Promise<(() => Promise<void>) | null> {
  const server = ctx.backend.process;
  if (!server || !ctx.serverFaults) throw new Error('server faults need the server in a child process');
  switch (f.kind) {
    case 'serverKill':
      at(f.afterMs, () => server.kill());
      return null;
    case 'serverKillAt':
      await server.arm(f.point, f.nth);
      return null;
    case 'postgresRestart': {
      const postgres = ctx.serverFaults.postgres;
      if (!postgres) throw new Error('a Postgres restart needs the trials on Postgres');
      // A session can end before its restart is due: then it restarts at the session's end, so the
      // planned fault always acts (the recovery runs after the session still meet it).
      let restarted = false;
      const restart = () => {
        restarted = true;
        return postgres.restart(f.mode);
      };
      at(f.afterMs, restart);
      return () => (restarted ? Promise.resolve() : restart());
    }
    case 'diskFull': {
      const disk = ctx.serverFaults.mediaDisk;
      if (disk) {
        await disk.fill();
        return () => disk.free();
      }
      // No disk of its own (mounting needs root): every media write fails as a full disk's would.
      await server.arm('media.midWrite', 1, 'enospc');
      return null;
    }
  }
}

async function applyFault(device: SimulatedDevice, f: TrialFault, at: (ms: number, fn: () => void) => void) {
  switch (f.kind) {
    case 'gateway':
      device.gateway.inject({ route: f.route, fault: f.fault, times: f.times });
      return;
    case 'linkReset':
      at(f.afterMs, () => device.link.resetConnections());
      return;
    case 'blackhole':
      at(f.afterMs, () => device.link.blackhole(true));
      at(f.afterMs + f.forMs, () => device.link.blackhole(false));
      return;
    case 'offline':
      await device.setOnline(false);
      return;
  }
}

/**
 * What the technician does on the phone. A kill can land while they work: an action whose answer
 * never came is not counted as intended (whether it committed is for the op-id check to settle).
 */
class Technician {
  private readonly schedules: string[] = [];
  private readonly invoices: string[] = [];
  private readonly withPhotos = new Set<string>();
  /** A schedule the server refuses (a bad status): a photo of it is refused too. */
  private rejectedSchedule: string | undefined;

  constructor(
    private readonly device: SimulatedDevice,
    private readonly r: SeededRandom,
    private readonly orgId: string,
    private readonly intents: IntentLog,
  ) {}

  /** The day's rows and photos, made in the app (offline if the plan says so). */
  async firstDay(plan: TrialPlan): Promise<void> {
    if (plan.startOffline) await this.device.setOnline(false);
    await this.inApp(async () => {
      for (let i = 0; i < plan.schedules; i++) {
        const scheduleId = randomUUID();
        const invoiceId = randomUUID();
        const done = await this.write([
          { op: 'insert', table: 'schedules', id: scheduleId, values: this.schedule(i) },
          {
            op: 'insert',
            table: 'invoices',
            id: invoiceId,
            values: {
              org_id: this.orgId,
              schedule_id: scheduleId,
              amount_cents: 10_000 + i,
              status: 'draft',
            },
          },
        ]);
        if (!done) continue;
        this.schedules.push(scheduleId);
        this.invoices.push(invoiceId);
      }
      for (let i = 0; i < plan.invalidRows; i++) await this.write(this.invalid(i));
      const scheduleId = this.schedules[0];
      for (const [i] of plan.photos.entries()) {
        if (!scheduleId) break;
        this.withPhotos.add(scheduleId);
        const photoId = randomUUID();
        const taken = await attempt(() =>
          this.device.takePhoto({
            photoId,
            file: `IMG_${i}.jpg`,
            scheduleId,
            kind: i % 2 ? 'after' : 'before',
          }),
        );
        if (taken && plan.deletedPhotoFile && i === 0) {
          await rm(join(this.device.documentsDir, 'photos', `${photoId}.jpg`), { force: true });
        }
      }
      const extras = [
        plan.overLimitPhoto && scheduleId ? { file: OVER_LIMIT_FILE, scheduleId } : null,
        plan.photoOnRejectedRow && this.rejectedSchedule
          ? { file: REJECTED_ROW_FILE, scheduleId: this.rejectedSchedule }
          : null,
      ];
      for (const extra of extras) {
        if (!extra) continue;
        this.withPhotos.add(extra.scheduleId);
        await attempt(() =>
          this.device.takePhoto({
            photoId: randomUUID(),
            file: extra.file,
            scheduleId: extra.scheduleId,
            kind: 'before',
          }),
        );
      }
      if (plan.deleteSchedule) {
        // Deleting a schedule deletes its photos on the server: pick one without photos.
        const doomed = this.schedules.find((s) => !this.withPhotos.has(s));
        if (doomed) await this.write([{ op: 'delete', table: 'schedules', id: doomed }]);
      }
    });
    if (plan.startOffline) await this.device.setOnline(true);
  }

  /** Later edits; with `office`, an invoice the office changed is edited from a stale copy (offline). */
  async edits(count: number, office: Office | null): Promise<void> {
    if (office) await this.device.setOnline(false);
    await this.inApp(async () => {
      for (let i = 0; i < count && this.schedules.length > 0; i++) {
        const id = this.schedules[this.r.int(0, this.schedules.length - 1)]!;
        const values = this.r.chance(0.5)
          ? { status: (['in_progress', 'done'] as const)[this.r.int(0, 1)] }
          : { notes: `note ${this.r.int(1, 999)}` };
        await this.write([{ op: 'update', table: 'schedules', id, values }]);
      }
      const invoice = this.invoices[0];
      if (office && invoice) {
        await office.update(this.intents, 0, 'invoices', invoice, { amount_cents: 77_700 });
        await this.write([
          { op: 'update', table: 'invoices', id: invoice, values: { amount_cents: 55_500 } },
        ]);
      }
    });
    if (office) await this.device.setOnline(true);
  }

  /** Opens the app (again, if a kill closed it), works, leaves it. */
  private async inApp(work: () => Promise<void>): Promise<void> {
    if (!(await attempt(() => this.device.openApp()))) await this.device.openApp();
    await work();
    await attempt(() => this.device.leaveApp());
  }

  private async write(changes: LocalWrite[]): Promise<boolean> {
    return (await attempt(() => this.device.write(changes))) !== undefined;
  }

  private schedule(i: number): Record<string, unknown> {
    return {
      org_id: this.orgId,
      customer: `Customer ${i}`,
      address: `${i + 1} Main St`,
      scheduled_at: new Date(Date.UTC(2025, 0, 6, 8 + i)).toISOString(),
      status: 'scheduled',
    };
  }

  /** Rows the server must refuse: a bad status; a negative amount that takes a valid row down with it. */
  private invalid(i: number): LocalWrite[] {
    if (i % 2 === 0) {
      const id = randomUUID();
      this.rejectedSchedule ??= id;
      return [{ op: 'insert', table: 'schedules', id, values: { org_id: this.orgId, status: 'bogus' } }];
    }
    const scheduleId = randomUUID();
    return [
      { op: 'insert', table: 'schedules', id: scheduleId, values: this.schedule(99) },
      {
        op: 'insert',
        table: 'invoices',
        id: randomUUID(),
        values: { org_id: this.orgId, schedule_id: scheduleId, amount_cents: -100, status: 'draft' },
      },
    ];
  }
}

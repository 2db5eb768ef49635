// One trial's plan, drawn from its seed alone (so `--seed S --runs 1` replays trial S): what the
// technician writes, which photos, and a few sessions, each one background run under a fault and
// perhaps a kill. After the sessions come recovery runs without faults until the device is quiet.
import type { FaultPointName } from '@vhd/server/testing';
import type { GatewayFault, GatewayRoute } from '../backend/deviceGateway';
import type { KillPoint } from '../device/protocol';
import type { LinkProfileName } from '../linkEmulator';
import { SeededRandom } from '../seededRandom';

export type TrialFault =
  | { kind: 'gateway'; route: GatewayRoute; fault: GatewayFault; times: number }
  /** The link resets every connection `afterMs` into the run. */
  | { kind: 'linkReset'; afterMs: number }
  /** The link swallows everything from `afterMs` for `forMs`. */
  | { kind: 'blackhole'; afterMs: number; forMs: number }
  /** No signal for the whole session. */
  | { kind: 'offline' };

export type TrialKill =
  | { kind: 'none' }
  /** SIGKILL from outside, `afterMs` after the technician left the app. */
  | { kind: 'instant'; afterMs: number }
  /** The child kills itself the nth time it reaches the point during the session. */
  | { kind: 'point'; point: KillPoint; nth: number };

/** Faults of the server and its database (trials with `serverFaults`: the server runs in a child). */
export type ServerFault =
  /** SIGKILL of the server process `afterMs` into the session (the technician at work, then the runs). */
  | { kind: 'serverKill'; afterMs: number }
  /** The server SIGKILLs itself the nth time it reaches the fault point. */
  | { kind: 'serverKillAt'; point: ServerKillPoint; nth: number }
  /** Postgres restarted (`pg_ctl restart -m fast|immediate`) `afterMs` into the session. */
  | { kind: 'postgresRestart'; mode: 'fast' | 'immediate'; afterMs: number }
  /** The media store's disk is full for the whole session (freed after it). */
  | { kind: 'diskFull' };

export type ServerKillPoint = Exclude<FaultPointName, 'media.stored'>;

/**
 * One session: the technician opens the app and edits (a resume catch-up runs), leaves it, and
 * the OS runs the background task. Faults and kill points are armed for the whole session.
 */
export interface TrialSession {
  budgetMs: number;
  faults: TrialFault[];
  kill: TrialKill;
  /** Writes made in the app (the first session makes the day's rows and photos instead). */
  edits: number;
  /** Acted out from the session's start (its resume catch-up and its background run). */
  serverFault?: ServerFault;
}

export interface TrialPlanOptions {
  /** Draw server and database faults too (the server must run in a child process). */
  serverFaults?: boolean;
  /** The server's database is Postgres, which the trial may restart. */
  postgres?: boolean;
}

export interface TrialPlan {
  seed: number;
  link: LinkProfileName;
  schedules: number;
  photos: number[];
  /** Insert rows the server must refuse (a bad status, a negative amount, one inside a valid transaction). */
  invalidRows: number;
  /** The office changes an invoice's amount; the technician then edits it from a stale copy. */
  invoiceConflict: boolean;
  /** The technician deletes one of their schedules. */
  deleteSchedule: boolean;
  /** A photo's file is deleted from the device after capture. */
  deletedPhotoFile: boolean;
  /** One more photo, over the media store's size limit: FAILED at once, never sent. */
  overLimitPhoto: boolean;
  /** One more photo, of a schedule the server rejects: its row is rejected too (FAILED, not queued for ever). */
  photoOnRejectedRow: boolean;
  /** Short-lived tokens that the device's cache keeps using until the server refuses them. */
  tokenExpiry: boolean;
  /** The first session's work happens without signal (the resume catch-up ends offline). */
  startOffline: boolean;
  sessions: TrialSession[];
}

const ROUTES_WITH_STATUS: Array<{ route: GatewayRoute; statuses: number[] }> = [
  { route: 'upload', statuses: [500, 502, 503, 429] },
  { route: 'sign', statuses: [500, 503, 429] },
  { route: 'media', statuses: [500, 503, 429] },
  { route: 'health', statuses: [503] },
  { route: 'token', statuses: [500, 503] },
  { route: 'sync', statuses: [503] },
];

/** The trials' media store takes files up to 1 MiB (Cloudinary's Free plan's 10 MiB, scaled down). */
export const TRIAL_MEDIA_MAX_BYTES = 1_048_576;
/** The over-limit photo's size: past the limit by more than the photo factory's 10 % tolerance. */
export const OVER_LIMIT_PHOTO_BYTES = 1_300_000;

export function planTrial(seed: number, options: TrialPlanOptions = {}): TrialPlan {
  const r = SeededRandom.fromSeed(seed);
  const photos = Array.from({ length: r.int(0, 3) }, () => r.int(60, 400) * 1000);
  const invoiceConflict = r.chance(0.35);
  // The conflict needs an invoice the server already has: a second session at least.
  const sessions = Array.from({ length: r.int(invoiceConflict ? 2 : 1, 3) }, (): TrialSession => {
    const budgetMs = r.int(3, 6) * 1000;
    return {
      budgetMs,
      faults: Array.from({ length: r.int(0, 2) }, () => drawFault(r, budgetMs)),
      kill: drawKill(r, budgetMs, photos.length),
      edits: r.int(0, 3),
    };
  });
  const plan: TrialPlan = {
    seed,
    link: r.chance(0.25) ? '4G' : 'none',
    schedules: r.int(1, 4),
    photos,
    invalidRows: r.chance(0.35) ? r.int(1, 2) : 0,
    invoiceConflict,
    deleteSchedule: r.chance(0.25),
    deletedPhotoFile: photos.length > 0 && r.chance(0.2),
    tokenExpiry: r.chance(0.15),
    startOffline: r.chance(0.3),
    sessions,
    overLimitPhoto: false,
    photoOnRejectedRow: false,
  };
  // Drawn last, so the draws above (and the trials they replay) are what they were before.
  plan.overLimitPhoto = r.chance(0.3);
  plan.photoOnRejectedRow = plan.invalidRows > 0 && r.chance(0.6);
  if (options.serverFaults) {
    // From a stream of their own, so the rest of the plan is the same with or without them.
    const rs = SeededRandom.fromSeed(seed ^ 0x5e7f);
    for (const session of sessions) {
      if (rs.chance(0.75))
        session.serverFault = drawServerFault(rs, session.budgetMs, photos.length, options);
    }
  }
  return plan;
}

const KILL_POINTS: ServerKillPoint[] = ['upload.beforeCommit', 'upload.afterCommit'];
const PHOTO_KILL_POINTS: ServerKillPoint[] = ['sign.beforeAnswer', 'media.midWrite', 'webhook.beforeFill'];

function drawServerFault(
  r: SeededRandom,
  budgetMs: number,
  photos: number,
  options: TrialPlanOptions,
): ServerFault {
  const roll = r.next();
  if (roll < 0.45) {
    const points = photos > 0 ? [...KILL_POINTS, ...PHOTO_KILL_POINTS] : KILL_POINTS;
    return { kind: 'serverKillAt', point: points[r.int(0, points.length - 1)]!, nth: r.int(1, 2) };
  }
  if (roll < 0.65 && options.postgres)
    return { kind: 'postgresRestart', mode: r.chance(0.5) ? 'fast' : 'immediate', afterMs: r.int(0, 2000) };
  if (roll < 0.8 && photos > 0) return { kind: 'diskFull' };
  return { kind: 'serverKill', afterMs: r.int(0, Math.min(budgetMs, 2500)) };
}

function drawFault(r: SeededRandom, budgetMs: number): TrialFault {
  const roll = r.next();
  if (roll < 0.45) {
    const target = ROUTES_WITH_STATUS[r.int(0, ROUTES_WITH_STATUS.length - 1)]!;
    const status = target.statuses[r.int(0, target.statuses.length - 1)]!;
    return {
      kind: 'gateway',
      route: target.route,
      fault: { kind: 'status', status, ...(status === 429 ? { headers: { 'retry-after': '1' } } : {}) },
      times: r.int(1, 3),
    };
  }
  if (roll < 0.6) {
    const route = (['upload', 'sign', 'media'] as const)[r.int(0, 2)]!;
    return { kind: 'gateway', route, fault: { kind: 'dropAnswer' }, times: r.int(1, 2) };
  }
  if (roll < 0.7) {
    const route = (['upload', 'sign', 'media', 'health'] as const)[r.int(0, 3)]!;
    return { kind: 'gateway', route, fault: { kind: r.chance(0.5) ? 'hang' : 'reset' }, times: 1 };
  }
  if (roll < 0.8) return { kind: 'linkReset', afterMs: r.int(0, budgetMs / 2) };
  if (roll < 0.9) return { kind: 'blackhole', afterMs: r.int(0, budgetMs / 2), forMs: r.int(500, 2500) };
  return { kind: 'offline' };
}

function drawKill(r: SeededRandom, budgetMs: number, photos: number): TrialKill {
  if (r.chance(0.4)) return { kind: 'none' };
  const roll = r.next();
  if (roll < 0.3) return { kind: 'instant', afterMs: r.int(0, Math.min(budgetMs, 2500)) };
  if (roll < 0.5 || photos === 0) return { kind: 'point', point: 'afterServerApplied', nth: r.int(1, 2) };
  const point: KillPoint = roll < 0.65 ? 'afterStoreSaved' : 'midPhotoUpload';
  return { kind: 'point', point, nth: r.int(1, photos) };
}

/** One line describing a plan, for the summary table. */
export function describePlan(plan: TrialPlan): string {
  const parts = [`${plan.schedules} sched`, `${plan.photos.length} photos`];
  if (plan.invalidRows) parts.push(`${plan.invalidRows} invalid`);
  if (plan.invoiceConflict) parts.push('conflict');
  if (plan.deleteSchedule) parts.push('delete');
  if (plan.deletedPhotoFile) parts.push('file deleted');
  if (plan.overLimitPhoto) parts.push('over-limit photo');
  if (plan.photoOnRejectedRow) parts.push('photo on rejected row');
  if (plan.tokenExpiry) parts.push('token expiry');
  if (plan.startOffline) parts.push('starts offline');
  return parts.join(', ');
}

export function describeFault(f: TrialFault): string {
  switch (f.kind) {
    case 'gateway':
      return `${f.route} ${f.fault.kind === 'status' ? f.fault.status : f.fault.kind}×${f.times}`;
    case 'linkReset':
      return `reset@${f.afterMs}ms`;
    case 'blackhole':
      return `blackhole@${f.afterMs}ms+${f.forMs}`;
    case 'offline':
      return 'offline';
  }
}

export function describeServerFault(f: ServerFault | undefined): string {
  if (!f) return '';
  switch (f.kind) {
    case 'serverKill':
      return `server kill@${f.afterMs}ms`;
    case 'serverKillAt':
      return `server kill:${f.point}#${f.nth}`;
    case 'postgresRestart':
      return `postgres restart -m ${f.mode}@${f.afterMs}ms`;
    case 'diskFull':
      return 'media disk full';
  }
}

export function describeKill(k: TrialKill): string {
  if (k.kind === 'none') return '';
  if (k.kind === 'instant') return `kill@${k.afterMs}ms`;
  return `kill:${k.point}#${k.nth}`;
}

// Fault points: named places in the server where a trial (packages/device-sim) can SIGKILL the
// process, or fail a write as a full disk would, to show that a crash exactly there loses and
// doubles nothing. Inert unless VHD_FAULT_POINTS names a trace file (then every point reached is
// appended to it, synchronously so the line survives a SIGKILL); refused with NODE_ENV=production
// (checkConfig).
import { appendFileSync } from 'node:fs';

export const FAULT_POINTS = [
  /** The CRUD upload's ops and verdicts are written; COMMIT not yet sent. */
  'upload.beforeCommit',
  /** The CRUD upload committed; the answer not yet sent. */
  'upload.afterCommit',
  /** A Cloudinary notification verified; the photo row not yet filled. */
  'webhook.beforeFill',
  /** Upload parameters signed; the answer not yet sent. */
  'sign.beforeAnswer',
  /** The dev media store moved the bytes into place; the asset's metadata not yet written. */
  'media.midWrite',
  /** The dev media store committed an asset (the trace line names its public id). */
  'media.stored',
] as const;
export type FaultPointName = (typeof FAULT_POINTS)[number];

/** `kill`: SIGKILL this process; `enospc`: throw the error a full disk gives. */
export type FaultAction = 'kill' | 'enospc';

export const FAULT_POINTS_ENV = 'VHD_FAULT_POINTS';

const armed = new Map<FaultPointName, { left: number; action: FaultAction }>();

const traceFile = () => process.env[FAULT_POINTS_ENV] || undefined;

export function faultPointsEnabled(): boolean {
  return traceFile() !== undefined;
}

/** Marks a fault point: nothing unless fault points are enabled. */
export function faultPoint(name: FaultPointName, detail = ''): void {
  const file = traceFile();
  if (!file) return;
  appendFileSync(file, `${name} ${detail}\n`);
  const arm = armed.get(name);
  if (!arm || --arm.left > 0) return;
  armed.delete(name);
  if (arm.action === 'kill') process.kill(process.pid, 'SIGKILL');
  throw Object.assign(new Error(`ENOSPC: no space left on device (fault point ${name})`), {
    code: 'ENOSPC',
  });
}

/** Acts `action` the `nth` time `name` is reached from now on (replaces an earlier arming of it). */
export function armFaultPoint(name: FaultPointName, nth: number, action: FaultAction = 'kill'): void {
  if (!faultPointsEnabled()) throw new Error(`fault points are off: set ${FAULT_POINTS_ENV}`);
  if (!FAULT_POINTS.includes(name)) throw new Error(`unknown fault point ${name}`);
  armed.set(name, { left: Math.max(1, nth), action });
}

export function disarmFaultPoints(): void {
  armed.clear();
}

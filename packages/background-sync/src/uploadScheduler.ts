// Which photo upload starts next, and how many run at once, within a run's budget (issue 15.1).
// Ten uploads sharing a slow link all finish late — after the budget, so nothing is stored. The
// scheduler keeps only as many in flight as the link's bandwidth-delay product needs (found by
// probing: more in flight only while that raises the measured goodput), starts nothing the
// remaining budget cannot carry, and takes the smallest first once the rest cannot all fit.

/** What a scheduled upload resolves to when the scheduler never started it (the budget could not carry it). */
export const NOT_STARTED = Symbol('not started');

export interface UploadSchedulerOptions {
  /** Upper bound of uploads in flight (DESIGN: 10). */
  maxInFlight: number;
  /** Uploads in flight before anything was measured. */
  initialInFlight?: number;
  now: () => number;
  /** Milliseconds left until in-flight uploads are cut off (the run's deadline). */
  remainingMs: () => number;
}

/** Goodput must rise by this share for a higher level of concurrency to be kept. */
const GAIN = 1.1;
/** The budget check allows this much more time than the bytes need at the measured goodput. */
const TIME_SLACK = 1.2;
/** After this many epochs at a level that was not beaten, probe upwards again (links change). */
const HOLD_EPOCHS = 8;

/** Goodput (bytes per ms) over an epoch at one concurrency level. */
export interface LevelSample {
  level: number;
  bytesPerMs: number;
}

/** The concurrency controller's state: the level, and what the last probe upwards compares against. */
export interface LevelState {
  level: number;
  /** Set while probing: the epoch at the level below, which this level must beat by GAIN. */
  below: LevelSample | null;
  /** Epochs spent at this level since it was last chosen. */
  held: number;
  probed: boolean;
}

/**
 * After an epoch at `state.level` with goodput `sample`: a probe that raised goodput by GAIN goes
 * on doubling; one that did not goes back to the level below and holds; a level held for
 * HOLD_EPOCHS (or never probed above) is probed again.
 */
export function afterEpoch(state: LevelState, sample: LevelSample, max: number): LevelState {
  const probe = (from: LevelSample): LevelState => {
    const up = Math.min(max, from.level * 2);
    return up > from.level
      ? { level: up, below: from, held: 0, probed: true }
      : { level: from.level, below: null, held: 0, probed: true };
  };
  if (state.below) {
    if (sample.bytesPerMs < state.below.bytesPerMs * GAIN) {
      return { level: state.below.level, below: null, held: 0, probed: true };
    }
    return probe(sample);
  }
  if (!state.probed || state.held + 1 >= HOLD_EPOCHS) return probe(sample);
  return { ...state, held: state.held + 1 };
}

/** Milliseconds the link needs for `bytes` at `bytesPerMs` (with slack); 0 when nothing was measured. */
export function carryMs(bytes: number, bytesPerMs: number | null): number {
  return bytesPerMs ? (bytes / bytesPerMs) * TIME_SLACK : 0;
}

export interface Candidate {
  bytes: number;
}

/**
 * Index of the upload to start next among `waiting` (queue order), or -1 when none may start.
 * `backlogMs`: what the uploads in flight still need of the link. Every upload fits: queue order.
 * Not all fit: the smallest one that does. None fits: -1.
 */
export function pickNext(
  waiting: readonly Candidate[],
  bytesPerMs: number | null,
  backlogMs: number,
  remainingMs: number,
): number {
  if (waiting.length === 0) return -1;
  if (bytesPerMs === null) return 0;
  const fits = (bytes: number) => backlogMs + carryMs(bytes, bytesPerMs) <= remainingMs;
  const total = waiting.reduce((n, w) => n + w.bytes, 0);
  if (fits(total)) return 0;
  let best = -1;
  for (let i = 0; i < waiting.length; i++) {
    const bytes = waiting[i]!.bytes;
    if (fits(bytes) && (best < 0 || bytes < waiting[best]!.bytes)) best = i;
  }
  return best;
}

interface Active {
  bytes: number;
  confirmed: number;
  /** ∫ dt / inFlight since it started: its fair share of the link's time so far. */
  shareMs: number;
}

interface Waiting extends Candidate {
  start: () => void;
  decline: () => void;
}

export class UploadScheduler {
  private readonly max: number;
  private readonly waiting: Waiting[] = [];
  private readonly active = new Map<object, Active>();
  private lastChange: number;
  // The current epoch: confirmed bytes and busy time (≥ 1 upload in flight) at `level`.
  private epochBytes = 0;
  private epochBusyMs = 0;
  private epochCompletions = 0;
  private control: LevelState;
  /** Goodput of the last finished epoch (bytes per ms); null before one finished. */
  private goodput: number | null = null;

  constructor(private readonly opts: UploadSchedulerOptions) {
    this.max = Math.max(1, opts.maxInFlight);
    this.control = {
      level: Math.min(this.max, opts.initialInFlight ?? 2),
      below: null,
      held: 0,
      probed: false,
    };
    this.lastChange = opts.now();
  }

  /** Uploads waiting to start. */
  get pendingCount(): number {
    return this.waiting.length;
  }

  get inFlight(): number {
    return this.active.size;
  }

  /** The concurrency the scheduler aims at now. */
  get targetInFlight(): number {
    return this.control.level;
  }

  /** Measured goodput in bytes per second, or null before any epoch ended. */
  get bytesPerSecond(): number | null {
    return this.goodput === null ? null : this.goodput * 1000;
  }

  /**
   * Runs `upload` (of a file of `bytes`) when the scheduler picks it. It gets a `confirm(bytes)`
   * to call as bytes are confirmed stored (a whole upload's size, or each chunk's). Resolves with
   * its result, or NOT_STARTED when the budget left could not carry it.
   */
  run<T>(
    bytes: number,
    upload: (confirm: (bytes: number) => void) => Promise<T>,
  ): Promise<T | typeof NOT_STARTED> {
    return new Promise((resolve, reject) => {
      const key = {};
      this.waiting.push({
        bytes,
        decline: () => resolve(NOT_STARTED),
        start: () => {
          this.advance();
          const state: Active = { bytes, confirmed: 0, shareMs: 0 };
          this.active.set(key, state);
          const confirm = (n: number) => {
            this.advance();
            state.confirmed += n;
            this.epochBytes += n;
          };
          upload(confirm)
            .then(resolve, reject)
            .finally(() => {
              this.advance();
              this.active.delete(key);
              this.epochCompletions++;
              this.endEpochIfDue();
              this.pump();
            });
        },
      });
      this.pump();
    });
  }

  /** Starts what may start now; declines what never will. */
  private pump(): void {
    while (this.active.size < this.control.level && this.waiting.length > 0) {
      const i = pickNext(this.waiting, this.estimate(), this.backlogMs(), this.opts.remainingMs());
      if (i < 0) break;
      this.waiting.splice(i, 1)[0]!.start();
    }
    // Nothing in flight will free the link and nothing fits: nothing waiting can start in this budget.
    if (this.active.size === 0 && this.waiting.length > 0) {
      for (const w of this.waiting.splice(0)) w.decline();
    }
  }

  /** Goodput of the last epoch, or of the current one until an epoch ended (bytes per ms). */
  private estimate(): number | null {
    if (this.goodput !== null) return this.goodput;
    return this.epochBytes > 0 && this.epochBusyMs > 0 ? this.epochBytes / this.epochBusyMs : null;
  }

  /** Milliseconds of link time the uploads in flight still need (their unconfirmed bytes, less their share so far). */
  private backlogMs(): number {
    this.advance();
    const rate = this.estimate();
    if (rate === null) return 0;
    let bytes = 0;
    for (const a of this.active.values()) {
      bytes += Math.max(0, a.bytes - Math.max(a.confirmed, a.shareMs * rate));
    }
    return carryMs(bytes, rate);
  }

  /** Accounts the time since the last change to busy time and to each upload's share. */
  private advance(): void {
    const now = this.opts.now();
    const dt = now - this.lastChange;
    this.lastChange = now;
    if (dt <= 0 || this.active.size === 0) return;
    this.epochBusyMs += dt;
    for (const a of this.active.values()) a.shareMs += dt / this.active.size;
  }

  /**
   * An epoch is twice as many completions as the level (at least 4) — long enough that uploads
   * started under the previous level no longer dominate it: then the level may change.
   */
  private endEpochIfDue(): void {
    if (this.epochCompletions < Math.max(4, 2 * this.control.level) || this.epochBusyMs <= 0) return;
    const sample: LevelSample = { level: this.control.level, bytesPerMs: this.epochBytes / this.epochBusyMs };
    this.epochBytes = 0;
    this.epochBusyMs = 0;
    this.epochCompletions = 0;
    if (sample.bytesPerMs <= 0) return;
    this.goodput = sample.bytesPerMs;
    this.control = afterEpoch(this.control, sample, this.max);
  }
}

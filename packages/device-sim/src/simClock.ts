// Simulated time, so a day of phone life runs in seconds. It is the engine's Clock port
// (`now()`, `sleep(ms, signal?)`) plus a timer queue, in one of two modes:
//
// - discrete (the default): time stands still until the driver calls advanceTo()/advanceBy()/
//   runUntil(), which jump from one timer to the next (a discrete-event loop). Between timers it
//   lets promise chains settle, so code that only waits on this clock runs to its next sleep.
//   Code awaiting real I/O (sockets, SQLite) is not waited for: use real-time mode for that.
// - real time: virtual time flows at `speed` × real time from where it stood, and timers fire from
//   real setTimeouts — for phases where real I/O happens (a background run against the server).
//
// Switching modes never makes time jump or run backwards.
import type { Clock } from '@vhd/background-sync';
import { abortReason } from '@vhd/background-sync';

/** Monday 2025-01-06 07:00 UTC: a fixed start keeps simulations reproducible. */
export const DEFAULT_SIM_START = Date.UTC(2025, 0, 6, 7, 0, 0);

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

export type ClockMode = { kind: 'discrete' } | { kind: 'realtime'; speed: number };

/** Lets every promise continuation that is ready run (one macrotask turn, twice for chains that hop through one). */
async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class SimClock implements Clock {
  private virtualAt: number;
  private mode: ClockMode = { kind: 'discrete' };
  /** Real-time mode: performance.now() when virtual time was last anchored. */
  private realAnchor = 0;
  private readonly timers: Timer[] = [];
  private seq = 0;
  private realTimer: NodeJS.Timeout | undefined;
  private advancing = false;

  constructor(options: { start?: number } = {}) {
    this.virtualAt = options.start ?? DEFAULT_SIM_START;
  }

  now(): number {
    if (this.mode.kind === 'discrete') return this.virtualAt;
    return this.virtualAt + (performance.now() - this.realAnchor) * this.mode.speed;
  }

  /** Resolves once the clock reaches now() + ms; rejects with the signal's reason if it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        cancel();
        reject(abortReason(signal!));
      };
      const cancel = this.schedule(this.now() + Math.max(0, ms), () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Calls `fire` when the clock reaches `at` (at once on the next advance if `at` is past).
   * Timers due at the same instant fire in the order they were scheduled. Returns a cancel function.
   */
  schedule(at: number, fire: () => void): () => void {
    const timer: Timer = { at, seq: this.seq++, fire };
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.at > at) i--;
    this.timers.splice(i, 0, timer);
    this.armRealTimer();
    return () => {
      const j = this.timers.indexOf(timer);
      if (j >= 0) this.timers.splice(j, 1);
      this.armRealTimer();
    };
  }

  /** Timers not yet fired (sleeps in progress included). */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** When the next timer is due, if any. */
  nextTimerAt(): number | undefined {
    return this.timers[0]?.at;
  }

  getMode(): ClockMode {
    return this.mode;
  }

  /** Virtual time flows at `speed` × real time from now on (e.g. 1 for live I/O, 60 for a minute a second). */
  realtime(speed: number): void {
    if (!(speed > 0) || !Number.isFinite(speed))
      throw new RangeError(`speed must be a positive number, got ${speed}`);
    if (this.advancing) throw new Error('cannot switch to real time while advancing');
    this.virtualAt = this.now();
    this.realAnchor = performance.now();
    this.mode = { kind: 'realtime', speed };
    this.armRealTimer();
    this.fireDue();
  }

  /** Freezes time where it stands; from now on it moves only by advanceTo()/advanceBy()/runUntil(). */
  discrete(): void {
    this.virtualAt = this.now();
    this.mode = { kind: 'discrete' };
    clearTimeout(this.realTimer);
    this.realTimer = undefined;
  }

  /** Discrete mode: fires every timer due up to `t` in order, then stands at `t`. */
  async advanceTo(t: number): Promise<void> {
    await this.runUntil(() => false, t);
  }

  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(this.now() + ms);
  }

  /**
   * Discrete mode: fires timers in order until `done()` holds (checked before each timer, once
   * promise chains have settled) or the clock reaches `limit`. Returns whether `done()` held; time
   * stands at the last timer fired when it did, else at `limit`.
   */
  async runUntil(done: () => boolean, limit: number): Promise<boolean> {
    if (this.mode.kind !== 'discrete') throw new Error('advancing time by hand needs discrete mode');
    if (limit < this.virtualAt) throw new RangeError(`cannot go back in time (${limit} < ${this.virtualAt})`);
    if (this.advancing) throw new Error('the clock is already advancing');
    this.advancing = true;
    try {
      for (;;) {
        await settle();
        if (done()) return true;
        const next = this.timers[0];
        if (!next || next.at > limit) break;
        this.timers.shift();
        this.virtualAt = Math.max(this.virtualAt, next.at);
        next.fire();
      }
      this.virtualAt = limit;
      return false;
    } finally {
      this.advancing = false;
    }
  }

  private armRealTimer(): void {
    if (this.mode.kind !== 'realtime') return;
    clearTimeout(this.realTimer);
    this.realTimer = undefined;
    const next = this.timers[0];
    if (!next) return;
    const delay = Math.max(0, (next.at - this.now()) / this.mode.speed);
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.fireDue();
    }, delay);
  }

  private fireDue(): void {
    for (;;) {
      const next = this.timers[0];
      // setTimeout may fire a fraction of a millisecond early; the timer's own time is what counts.
      if (!next || next.at > this.now() + 0.5) break;
      this.timers.shift();
      next.fire();
    }
    this.armRealTimer();
  }
}

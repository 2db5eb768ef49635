// The run budget must work on Hermes, which may lack AbortSignal.any, AbortSignal.timeout and
// AbortSignal.prototype.throwIfAborted: they are deleted before the module is loaded.
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withoutModernAbortApis } from '../test/support/withoutModernAbort';

type BudgetModule = typeof import('./runBudget');
type AbortModule = typeof import('./abort');
let m: BudgetModule;
let abort: AbortModule;

let restore: () => void;

beforeAll(async () => {
  restore = withoutModernAbortApis();
  m = await import('./runBudget');
  abort = await import('./abort');
});

afterAll(() => {
  vi.useRealTimers();
  restore();
});

/** A clock the test moves by hand (the budget measures the wall clock, not timers). */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    sleep: (ms: number, signal?: AbortSignal) => abort.sleep(ms, signal),
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('RunBudget', () => {
  it('keeps new work out of the safety margin and bounds requests by what is left', () => {
    const clock = manualClock();
    const b = new m.RunBudget({ clock, budgetMs: 60_000, marginMs: 15_000 });
    try {
      expect(b.remainingMs()).toBe(60_000);
      expect(b.requestTimeoutMs(30_000)).toBe(30_000);
      clock.advance(40_000);
      expect(b.requestTimeoutMs(30_000)).toBe(5_000);
      expect(b.requestTimeoutMs(30_000, 7_500)).toBe(12_500); // a last step may use half the margin
      expect(b.canStart()).toBe(true);
      clock.advance(5_001);
      expect(b.canStart()).toBe(false);
      expect(b.requestTimeoutMs(30_000)).toBe(0);
      clock.advance(60_000);
      expect(b.remainingMs()).toBe(0);
      expect(b.stop()).toBeUndefined(); // the wall clock ran past, but no timer fired yet
    } finally {
      b.dispose();
    }
  });

  it('aborts at the deadline as `deadline`, with the parent or abort() as `aborted`', () => {
    vi.useFakeTimers();
    try {
      const b = new m.RunBudget({ clock: manualClock(), budgetMs: 500, marginMs: 100 });
      const disposed = new m.RunBudget({ clock: manualClock(), budgetMs: 500 });
      disposed.dispose();
      vi.advanceTimersByTime(499);
      expect(b.signal.aborted).toBe(false);
      vi.advanceTimersByTime(1);
      expect(disposed.signal.aborted).toBe(false); // a disposed budget's timer never fires
      expect((b.signal.reason as Error).name).toBe('TimeoutError');
      expect(b.stop()).toEqual({ cause: 'deadline', reason: 'timed out after 500 ms' });
      expect(b.canStart()).toBe(false);
      const parent = new AbortController();
      const c = new m.RunBudget({ clock: manualClock(), budgetMs: 10_000, signal: parent.signal });
      parent.abort(new abort.AbortError('os_expired'));
      expect(c.stop()).toEqual({ cause: 'aborted', reason: 'os_expired' });
      const d = new m.RunBudget({ clock: manualClock(), budgetMs: 10_000 });
      d.abort('app_active');
      expect(d.stop()).toEqual({ cause: 'aborted', reason: 'app_active' });
      const late = new m.RunBudget({ clock: manualClock(), budgetMs: 10_000, signal: parent.signal });
      expect(late.stop()).toEqual({ cause: 'aborted', reason: 'os_expired' }); // parent already aborted
      vi.advanceTimersByTime(10_000);
      expect(d.stop()?.cause).toBe('aborted'); // the first abort's reason stays
    } finally {
      vi.useRealTimers();
    }
  });

  it('without a deadline never runs out: requests get their full cap', () => {
    const b = new m.RunBudget({});
    expect(b.canStart()).toBe(true);
    expect(b.requestTimeoutMs(30_000)).toBe(30_000);
    expect(() => new m.RunBudget({ budgetMs: 1_000 })).toThrow(/needs a clock/);
  });

  it('children abort with the budget, on their own timeout, or alone; dispose detaches them', () => {
    vi.useFakeTimers();
    try {
      const b = new m.RunBudget({ clock: manualClock(), budgetMs: 60_000 });
      const timed = b.child(100);
      const plain = b.child();
      const gone = b.child();
      gone.dispose();
      vi.advanceTimersByTime(100);
      expect(timed.timedOut).toBe(true);
      expect((timed.signal.reason as Error).name).toBe('TimeoutError');
      expect(b.signal.aborted).toBe(false); // a request's timeout is not the run's
      plain.abort(new Error('stalled'));
      expect(b.signal.aborted).toBe(false);
      const other = b.child(1_000);
      b.abort('app_active');
      expect((other.signal.reason as Error).message).toBe('app_active');
      expect(other.timedOut).toBe(false);
      expect(gone.signal.aborted).toBe(false);
      expect(b.child().signal.aborted).toBe(true); // born after the abort
    } finally {
      vi.useRealTimers();
    }
  });

  it('adds one listener to its parent however many children it has (issue 15.2)', () => {
    const parent = new AbortController();
    const b = new m.RunBudget({ signal: parent.signal });
    const children = Array.from({ length: 50 }, () => b.child(60_000));
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(1); // its own fan-out
    parent.abort(new abort.AbortError('shutdown'));
    expect(children.every((c) => c.signal.aborted && !c.timedOut)).toBe(true);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });
});

describe('stopOfAbort', () => {
  it('reads a TimeoutError as the deadline and anything else as aborted', () => {
    expect(m.stopOfAbort(new abort.TimeoutError('late'))).toEqual({ cause: 'deadline', reason: 'late' });
    expect(m.stopOfAbort(new Error('left'))).toEqual({ cause: 'aborted', reason: 'left' });
    expect(m.stopOfAbort('plain')).toEqual({ cause: 'aborted', reason: 'plain' });
    expect(m.stopOfAbort(undefined)).toEqual({ cause: 'aborted', reason: 'aborted' });
  });
});

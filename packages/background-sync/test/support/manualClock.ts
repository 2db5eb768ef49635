// A Clock whose time moves only when the test says so; sleepers wake in order of their deadline.
import { abortReason } from '../../src/abort';
import type { Clock } from '../../src/ports';

export interface ManualClock extends Clock {
  /** Moves time forward by `ms`, waking every sleeper due by then, and lets promise chains settle. */
  advance(ms: number): Promise<void>;
  /** Moves time without waking anyone: a suspended app whose timers fire late. */
  jump(ms: number): void;
  readonly sleepers: number;
}

export function manualClock(start = 1_000_000): ManualClock {
  let now = start;
  const sleepers = new Set<{ at: number; wake: () => void }>();
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(abortReason(signal));
        const sleeper = {
          at: now + ms,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          sleepers.delete(sleeper);
          reject(abortReason(signal!));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.add(sleeper);
      });
    },
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        await settle();
        const due = [...sleepers].filter((s) => s.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        now = Math.max(now, due.at);
        sleepers.delete(due);
        due.wake();
      }
      now = until;
      await settle();
    },
    jump(ms) {
      now += ms;
    },
    get sleepers() {
      return sleepers.size;
    },
  };
}

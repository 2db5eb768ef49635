// Android as expo-background-task drives it: a unique periodic WorkManager request
// (BackgroundTaskScheduler.kt, `NetworkType.CONNECTED` constraint), facts per DESIGN.md
// "Platform facts" and the WorkManager documentation:
// - Periodic work has a 15 min minimum interval (PeriodicWorkRequest.MIN_PERIODIC_INTERVAL_MILLIS);
//   the next period counts from the end of the previous run: rescheduled after each run.
// - Network constraint: never started offline, and a running worker whose constraint stops being
//   met is stopped by WorkManager (retried later).
// - A worker gets about 10 minutes; then the system stops it without further warning to JS.
// - expo-background-task skips the task while the app is in the foreground: the worker runs, the
//   JS task does not, and the next period starts.
// - Since expo-background-task 56, registering an already registered task keeps the pending
//   worker; unregistering cancels the unique work (a running worker is stopped too), so
//   registering again restarts the delay.
// - Swiping the app away kills its process (a running worker dies) but keeps scheduled work;
//   a force-stop from Settings would cancel it, which this model does not cover.
// - Doze (screen off, still, unplugged) defers jobs to maintenance windows: a long delay then,
//   a short one otherwise.
import { BUDGET_MS } from '@vhd/background-sync';
import type { PlatformPolicy } from '../osScheduler';

export interface AndroidPolicyOptions {
  /** Budget the app passes to a background run (default DESIGN's 8 min). */
  budgetMs?: number;
  /** WorkManager's execution limit (default 10 min). */
  executionLimitMs?: number;
  /** Mean start delay after the due time, in minutes. */
  meanDelayMin?: { doze: number; awake: number };
}

const MINUTE = 60_000;

export function androidPolicy(options: AndroidPolicyOptions = {}): PlatformPolicy {
  const budgetMs = options.budgetMs ?? BUDGET_MS.android;
  const limitMs = options.executionLimitMs ?? 10 * MINUTE;
  const mean = options.meanDelayMin ?? { doze: 60, awake: 2 };
  return {
    platform: 'android',
    budgetMs,
    minIntervalMin: 15,
    gate: (c) => (!c.online ? 'wait' : c.appState === 'foreground' ? 'skip' : 'run'),
    startDelayMs: (c, random) =>
      random.exponential((c.idle && !c.charging ? mean.doze : mean.awake) * MINUTE),
    grantMs: () => limitMs,
    stopOnChange: (c) => (c.online ? null : 'network-lost'),
    unregisterStopsRunning: true,
  };
}

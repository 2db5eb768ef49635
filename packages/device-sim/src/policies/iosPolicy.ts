// iOS as expo-background-task drives it: a BGProcessingTaskRequest with the single identifier
// `com.expo.modules.backgroundtask.processing` (BackgroundTaskScheduler.swift), facts per DESIGN.md
// "Platform facts":
// - `requiresNetworkConnectivity = true`: never launched offline.
// - Runs no earlier than `minimumInterval` (minutes, 15 at least) after it was requested, at a
//   time the system picks — often when the phone is idle and charging (overnight), never in the
//   simulator. Modelled: an exponential delay after the due time whose mean is short when idle and
//   charging and long while the phone is in use.
// - Background tasks launch an app in the background; a foreground app is not sent its
//   processing task, so a due request waits while the app is active.
// - After the user force-quits the app, iOS launches nothing for it until the user opens it again.
// - The task may be expired at any moment without warning (the expiration listener appears never
//   to fire): modelled as a share of launches whose time ends before the app's own budget.
// - BGTaskScheduler.cancel(taskRequestWithIdentifier:) withdraws the pending request only; a
//   running task is not stopped by unregistering. Losing network does not end a running task
//   (its requests fail instead).
import { BUDGET_MS } from '@vhd/background-sync';
import type { PlatformPolicy } from '../osScheduler';

export interface IosPolicyOptions {
  /** Budget the app passes to a processing run (default DESIGN's 3 min). */
  budgetMs?: number;
  /** Mean start delay after the due time, in minutes, by phone state. */
  meanDelayMin?: { idleAndCharging: number; idleOrCharging: number; inUse: number };
  /** Share of launches expired before the app's budget runs out (default 0.25). */
  earlyExpiryProbability?: number;
  /** Longest time iOS lets a processing task run in this model (default 10 min). */
  maxGrantMs?: number;
}

export const IOS_TASK_IDENTIFIER = 'com.expo.modules.backgroundtask.processing';

const MINUTE = 60_000;

export function iosPolicy(options: IosPolicyOptions = {}): PlatformPolicy {
  const budgetMs = options.budgetMs ?? BUDGET_MS.ios;
  const mean = options.meanDelayMin ?? { idleAndCharging: 15, idleOrCharging: 60, inUse: 240 };
  const earlyExpiry = options.earlyExpiryProbability ?? 0.25;
  const maxGrantMs = Math.max(options.maxGrantMs ?? 10 * MINUTE, budgetMs);
  return {
    platform: 'ios',
    budgetMs,
    minIntervalMin: 15,
    gate: (c) => (c.online && c.appState === 'background' ? 'run' : 'wait'),
    startDelayMs(c, random) {
      const meanMin =
        c.idle && c.charging ? mean.idleAndCharging : c.idle || c.charging ? mean.idleOrCharging : mean.inUse;
      return random.exponential(meanMin * MINUTE);
    },
    grantMs: (random) =>
      random.chance(earlyExpiry) ? random.uniform(0, budgetMs) : random.uniform(budgetMs, maxGrantMs),
    stopOnChange: () => null,
    unregisterStopsRunning: false,
  };
}

// The OS background task. Defined at module scope, in a module the entry file imports before
// expo-router: a cold background launch mounts no component, so this is the only code that runs.
// iOS: a BGProcessingTask (identifier com.expo.modules.backgroundtask.processing, network
// required); Android: WorkManager (network required, ~10 min per run, skipped while foreground).
import { AbortError, BUDGET_MS, type RunOutcome } from '@vhd/background-sync';
import * as BackgroundTask from 'expo-background-task';
import * as TaskManager from 'expo-task-manager';
import { Platform } from 'react-native';
import { type AuthSession, loadSession } from '../auth/session';
import { systemFor } from './BackgroundSystem';
import { syncLogger } from './ports/logger';

export const BACKGROUND_SYNC_TASK = 'vhd-background-sync';
/** Minutes; the OS minimum (Android WorkManager: 15). */
export const MINIMUM_INTERVAL_MIN = 15;

/** Android grants ~10 min (we take 8); iOS processing tasks get a few minutes (we take 3). */
export function platformBudgetMs(os: string = Platform.OS): number {
  return os === 'ios' ? BUDGET_MS.ios : BUDGET_MS.android;
}

/** Success unless the run failed unexpectedly: the OS must not back off for offline & co. */
export function taskResultFor(outcome: RunOutcome): BackgroundTask.BackgroundTaskResult {
  return outcome === 'failed'
    ? BackgroundTask.BackgroundTaskResult.Failed
    : BackgroundTask.BackgroundTaskResult.Success;
}

/** The task body: one engine run with the platform's budget, aborted if the OS says time is up. */
export async function runBackgroundSyncTask(): Promise<BackgroundTask.BackgroundTaskResult> {
  const expired = new AbortController();
  // On iOS the expiration handler appears never to reach JS; subscribe anyway (the budget is the
  // real guard). Android gives no warning at all.
  const subscription = BackgroundTask.addExpirationListener(() => {
    syncLogger.warn('background task: the OS says time is up; aborting the run');
    expired.abort(new AbortError('os_expiration'));
  });
  try {
    let session: AuthSession | null;
    try {
      session = await loadSession();
    } catch (e) {
      // Clerk could not load (typically offline on a cold launch): expected, try again next time.
      syncLogger.warn('background task: could not load the session; skipping this run', { error: String(e) });
      return BackgroundTask.BackgroundTaskResult.Success;
    }
    if (!session) {
      syncLogger.info('background task: nobody is signed in; nothing to sync');
      return BackgroundTask.BackgroundTaskResult.Success;
    }
    const system = await systemFor(session);
    const report = await system.sync.runBackgroundSync({
      budgetMs: platformBudgetMs(),
      trigger: 'background',
      signal: expired.signal,
    });
    syncLogger.info('background task: run ended', {
      outcome: report.outcome,
      durationMs: report.durationMs,
      ...(report.reason ? { reason: report.reason } : {}),
    });
    return taskResultFor(report.outcome);
  } catch (e) {
    syncLogger.error('background task: could not run', {
      error: String(e),
      stack: e instanceof Error ? e.stack : undefined,
    });
    return BackgroundTask.BackgroundTaskResult.Failed;
  } finally {
    subscription.remove();
  }
}

TaskManager.defineTask(BACKGROUND_SYNC_TASK, () => runBackgroundSyncTask());

/**
 * Schedules the task if the OS allows background work and it is not scheduled already (a second
 * registration would restart the Android delay). Returns whether it registered now.
 */
export async function registerBackgroundSync(): Promise<boolean> {
  const status = await BackgroundTask.getStatusAsync();
  if (status !== BackgroundTask.BackgroundTaskStatus.Available) {
    syncLogger.warn('background task: not available on this device (restricted)', { status });
    return false;
  }
  if (await TaskManager.isTaskRegisteredAsync(BACKGROUND_SYNC_TASK)) return false;
  await BackgroundTask.registerTaskAsync(BACKGROUND_SYNC_TASK, { minimumInterval: MINIMUM_INTERVAL_MIN });
  return true;
}

/** Withdraws the pending task (iOS request / Android worker). Returns whether one was registered. */
export async function unregisterBackgroundSync(): Promise<boolean> {
  if (!(await TaskManager.isTaskRegisteredAsync(BACKGROUND_SYNC_TASK))) return false;
  await BackgroundTask.unregisterTaskAsync(BACKGROUND_SYNC_TASK);
  return true;
}

/** Dev builds: asks the OS to run the worker now (iOS debug trigger / Android WorkManager). */
export function triggerBackgroundSyncForTesting(): Promise<boolean> {
  return BackgroundTask.triggerTaskWorkerForTestingAsync();
}

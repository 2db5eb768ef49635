// The OS background task. Defined at module scope, in a module the entry file imports before
// expo-router: a cold background launch mounts no component, so this is the only code that runs.
// iOS: a BGProcessingTask (identifier com.expo.modules.backgroundtask.processing, network
// required); Android: WorkManager (network required, ~10 min per run, skipped while foreground).
import { AbortError, BUDGET_MS, runBackgroundTask } from '@vhd/background-sync';
import * as BackgroundTask from 'expo-background-task';
import * as TaskManager from 'expo-task-manager';
import { Platform } from 'react-native';
import { type AuthSession, loadSession } from '../auth/session';
import { systemFor } from './BackgroundSystem';
import { wallClock } from './ports/clock';
import { syncLogger } from './ports/logger';

export const BACKGROUND_SYNC_TASK = 'vhd-background-sync';
/** Minutes; the OS minimum (Android WorkManager: 15). */
export const MINIMUM_INTERVAL_MIN = 15;

/** Android grants ~10 min (we take 8); iOS processing tasks get a few minutes (we take 3). */
export function platformBudgetMs(os: string = Platform.OS): number {
  return os === 'ios' ? BUDGET_MS.ios : BUDGET_MS.android;
}

/**
 * The task body: the engine's (shared with the simulator) with the platform's budget — the session
 * load included — and the OS expiration as its signal.
 *
 * The expiration listener cannot fire in this expo-background-task version: the app delegate posts
 * the expiry notification with empty userInfo and the module drops any notification without a
 * `url` in it, so no event reaches JS. We subscribe anyway (a later version may deliver it); the
 * budget is the guard.
 */
export async function runBackgroundSyncTask(): Promise<BackgroundTask.BackgroundTaskResult> {
  const expired = new AbortController();
  const subscription = BackgroundTask.addExpirationListener(() => {
    syncLogger.warn('background task: the OS says time is up; aborting the run');
    expired.abort(new AbortError('os_expiration'));
  });
  try {
    const result = await runBackgroundTask<AuthSession>({
      loadSession: () => loadSession(),
      systemFor,
      budgetMs: platformBudgetMs(),
      clock: wallClock,
      logger: syncLogger,
      signal: expired.signal,
    });
    return result.failed
      ? BackgroundTask.BackgroundTaskResult.Failed
      : BackgroundTask.BackgroundTaskResult.Success;
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

/**
 * Dev builds: runs the task body now, in this process, as a background launch would. The OS's own
 * test trigger cannot help from a button: the task is unregistered while the app is active
 * (policy on-background), and Android's WorkManager skips the worker while the app is in the
 * foreground. The README's device runbook has the OS-side triggers (adb / Xcode) for the real path.
 */
export function runBackgroundSyncTaskForTesting(): Promise<BackgroundTask.BackgroundTaskResult> {
  syncLogger.info('background task: run by hand (dev)');
  return runBackgroundSyncTask();
}

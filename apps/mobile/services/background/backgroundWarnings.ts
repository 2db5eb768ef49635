// When background sync cannot run, the technician must hear it from the app, with the fix: iOS
// pauses background tasks in Low Power Mode and never runs them with Background App Refresh off or
// after the app was swiped away; Android's battery optimisation and power saver defer WorkManager.
// Background App Refresh and a force-quit are not readable from JS here, so a long silence while
// work waits is the sign for them.
import * as BackgroundTask from 'expo-background-task';
import * as Battery from 'expo-battery';
import { Platform } from 'react-native';

export interface BackgroundFacts {
  platform: string;
  /** expo-background-task's status (Restricted: simulators, environments without background work). */
  taskAvailable: boolean;
  lowPowerMode: boolean;
  /** Android: the app is subject to battery optimisation. */
  batteryOptimized: boolean;
}

export interface BackgroundWarning {
  id: 'restricted' | 'low-power' | 'battery-optimization' | 'silent';
  title: string;
  fix: string;
}

/** Work waiting this long with no successful sync means background sync is not getting to run. */
export const SILENT_AFTER_MS = 24 * 3_600_000;

export async function readBackgroundFacts(platform: string = Platform.OS): Promise<BackgroundFacts> {
  const [status, lowPowerMode, batteryOptimized] = await Promise.all([
    BackgroundTask.getStatusAsync().catch(() => BackgroundTask.BackgroundTaskStatus.Available),
    Battery.isLowPowerModeEnabledAsync().catch(() => false),
    platform === 'android' ? Battery.isBatteryOptimizationEnabledAsync().catch(() => false) : false,
  ]);
  return {
    platform,
    taskAvailable: status === BackgroundTask.BackgroundTaskStatus.Available,
    lowPowerMode,
    batteryOptimized,
  };
}

export function backgroundWarnings(
  facts: BackgroundFacts,
  work: { waiting: number; lastSuccessfulSyncAt: number | null; now: number },
): BackgroundWarning[] {
  const ios = facts.platform === 'ios';
  const warnings: BackgroundWarning[] = [];
  if (!facts.taskAvailable) {
    warnings.push({
      id: 'restricted',
      title: 'Background sync is not available on this device',
      fix: 'Your work syncs while VHD is open. (Simulators never run background tasks.)',
    });
  }
  if (facts.lowPowerMode) {
    warnings.push({
      id: 'low-power',
      title: ios ? 'Low Power Mode pauses background sync' : 'Battery Saver pauses background sync',
      fix: ios
        ? 'Turn off Low Power Mode (Settings → Battery), or open VHD to sync.'
        : 'Turn off Battery Saver (Settings → Battery), or open VHD to sync.',
    });
  }
  if (facts.batteryOptimized) {
    warnings.push({
      id: 'battery-optimization',
      title: 'Battery optimisation may hold back background sync',
      fix: 'Settings → Apps → VHD → Battery → Unrestricted.',
    });
  }
  const since = work.lastSuccessfulSyncAt;
  if (work.waiting > 0 && since !== null && work.now - since > SILENT_AFTER_MS) {
    warnings.push({
      id: 'silent',
      title: `Nothing has synced for ${Math.floor((work.now - since) / 3_600_000)} hours`,
      fix: ios
        ? 'Open VHD on Wi-Fi or mobile data. Keep Settings → General → Background App Refresh on for VHD, and ' +
          "don't swipe VHD away in the app switcher: iOS runs no background work for an app closed that way."
        : 'Open VHD with a network. Keep VHD unrestricted in Settings → Apps → VHD → Battery, and do not ' +
          'force-stop it: Android runs no background work for a force-stopped app.',
    });
  }
  return warnings;
}

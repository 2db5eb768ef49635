// When background sync cannot run, the technician must hear it from the app, with the fix: iOS
// pauses background tasks in Low Power Mode and never runs them with Background App Refresh off or
// after the app was swiped away; Android's battery optimisation and power saver defer WorkManager.
// The facts are the device port's background capability (the one the sync health report sends).
// Background App Refresh and a force-quit are not readable from JS here, so a long silence while
// work waits is the sign for them.
import type { BackgroundCapability } from '@vhd/background-sync';

export interface BackgroundWarning {
  id: 'restricted' | 'low-power' | 'battery-optimization' | 'silent';
  title: string;
  fix: string;
}

/** Work waiting this long with no successful sync means background sync is not getting to run. */
export const SILENT_AFTER_MS = 24 * 3_600_000;

export function backgroundWarnings(
  platform: string,
  capability: BackgroundCapability,
  work: { waiting: number; lastSuccessfulSyncAt: number | null; now: number },
): BackgroundWarning[] {
  const ios = platform === 'ios';
  const warnings: BackgroundWarning[] = [];
  if (capability.status === 'restricted' || capability.status === 'denied') {
    warnings.push({
      id: 'restricted',
      title: 'Background sync is not available on this device',
      fix: 'Your work syncs while VHD is open. (Simulators never run background tasks.)',
    });
  }
  if (capability.lowPowerMode === true) {
    warnings.push({
      id: 'low-power',
      title: ios ? 'Low Power Mode pauses background sync' : 'Battery Saver pauses background sync',
      fix: ios
        ? 'Turn off Low Power Mode (Settings → Battery), or open VHD to sync.'
        : 'Turn off Battery Saver (Settings → Battery), or open VHD to sync.',
    });
  }
  if (capability.batteryOptimization === true) {
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

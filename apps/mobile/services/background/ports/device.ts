// This phone for the sync health report: platform, name, app version, and whether the OS lets the
// background task run. expo-background-task's status says whether the task can run at all
// (Restricted in the iOS simulator or where the OS refuses it); expo-battery gives Low Power Mode
// (iOS) / battery saver, and Android's battery optimisation for the app. No Expo module exposes the
// iOS Background App Refresh switch: it is reported as unknown (null).
import type { BackgroundCapability, DevicePort } from '@vhd/background-sync';
import * as BackgroundTask from 'expo-background-task';
import * as Battery from 'expo-battery';
import Constants from 'expo-constants';
import { Platform } from 'react-native';
import { appConfig } from '../../config';

/** A value the OS would not give (a missing native module, a platform without it) is unknown. */
async function orNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch {
    return null;
  }
}

export const expoDevice: DevicePort = {
  get platform() {
    return Platform.OS === 'ios' || Platform.OS === 'android' ? Platform.OS : 'other';
  },
  ...(Constants.deviceName ? { name: Constants.deviceName } : {}),
  ...(Constants.expoConfig?.version ? { appVersion: Constants.expoConfig.version } : {}),
  async backgroundCapability(): Promise<BackgroundCapability> {
    const [status, lowPower, optimised] = await Promise.all([
      orNull(() => BackgroundTask.getStatusAsync()),
      orNull(() => Battery.isLowPowerModeEnabledAsync()),
      Platform.OS === 'android' ? orNull(() => Battery.isBatteryOptimizationEnabledAsync()) : null,
    ]);
    return {
      status:
        status === null
          ? 'unknown'
          : status === BackgroundTask.BackgroundTaskStatus.Available
            ? 'available'
            : 'restricted',
      backgroundAppRefresh: null,
      lowPowerMode: lowPower,
      batteryOptimization: optimised,
      policy: appConfig().backgroundPolicy,
    };
  },
};

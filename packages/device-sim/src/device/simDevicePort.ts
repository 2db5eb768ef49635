// The simulated phone as the sync health report describes it: its platform and a background
// capability matching what the simulator models — the task is allowed (iOS Background App Refresh
// on, no Low Power Mode; Android without battery optimisation), registered on leaving the app.
import type { DevicePort } from '@vhd/background-sync';
import type { DeviceChildConfig } from './protocol';

export function simDevicePort(config: Pick<DeviceChildConfig, 'name' | 'platform'>): DevicePort {
  const ios = config.platform === 'ios';
  return {
    platform: config.platform,
    name: `${config.name}'s ${ios ? 'iPhone' : 'Android phone'} (simulated)`,
    appVersion: 'device-sim',
    backgroundCapability: async () => ({
      status: 'available',
      backgroundAppRefresh: ios ? true : null,
      lowPowerMode: false,
      batteryOptimization: ios ? null : false,
      policy: 'on-background',
    }),
  };
}

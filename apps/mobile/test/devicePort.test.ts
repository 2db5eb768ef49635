// The Expo device port reports what the OS says about background work; expo-background-task is the
// fake OS of these tests and expo-battery a recorder (neither native module exists under jest).
import { Platform } from 'react-native';
import { expoDevice } from '../services/background/ports/device';
import { fakeOs } from './fakeOs';

jest.mock('expo-background-task', () => require('./fakeOs').backgroundTaskModule());
jest.mock('expo-battery', () => ({
  isLowPowerModeEnabledAsync: jest.fn(),
  isBatteryOptimizationEnabledAsync: jest.fn(),
}));

const battery = jest.requireMock('expo-battery') as {
  isLowPowerModeEnabledAsync: jest.Mock;
  isBatteryOptimizationEnabledAsync: jest.Mock;
};

async function capabilityOn(os: 'ios' | 'android') {
  const original = Platform.OS;
  Object.defineProperty(Platform, 'OS', { value: os, configurable: true });
  try {
    return { platform: expoDevice.platform, capability: await expoDevice.backgroundCapability() };
  } finally {
    Object.defineProperty(Platform, 'OS', { value: original, configurable: true });
  }
}

describe('expoDevice', () => {
  beforeEach(() => {
    battery.isLowPowerModeEnabledAsync.mockReset();
    battery.isBatteryOptimizationEnabledAsync.mockReset();
  });

  it('on Android: task status, battery saver and battery optimisation as the OS reports them', async () => {
    const BackgroundTask = jest.requireActual('expo-background-task');
    fakeOs.status = BackgroundTask.BackgroundTaskStatus.Available;
    battery.isLowPowerModeEnabledAsync.mockResolvedValue(true);
    battery.isBatteryOptimizationEnabledAsync.mockResolvedValue(true);
    expect(await capabilityOn('android')).toEqual({
      platform: 'android',
      capability: {
        status: 'available',
        backgroundAppRefresh: null,
        lowPowerMode: true,
        batteryOptimization: true,
        policy: 'on-background',
      },
    });
  });

  it('on iOS: a restricted task, Low Power Mode, and no battery optimisation question asked', async () => {
    const BackgroundTask = jest.requireActual('expo-background-task');
    fakeOs.status = BackgroundTask.BackgroundTaskStatus.Restricted;
    battery.isLowPowerModeEnabledAsync.mockResolvedValue(false);
    const { platform, capability } = await capabilityOn('ios');
    expect(platform).toBe('ios');
    expect(capability).toMatchObject({
      status: 'restricted',
      lowPowerMode: false,
      batteryOptimization: null,
    });
    expect(battery.isBatteryOptimizationEnabledAsync).not.toHaveBeenCalled();
  });

  it('a native call that fails reads as unknown, never as a failed report', async () => {
    battery.isLowPowerModeEnabledAsync.mockRejectedValue(new Error('no native module'));
    battery.isBatteryOptimizationEnabledAsync.mockRejectedValue(new Error('no native module'));
    const { capability } = await capabilityOn('android');
    expect(capability.lowPowerMode).toBeNull();
    expect(capability.batteryOptimization).toBeNull();
  });
});

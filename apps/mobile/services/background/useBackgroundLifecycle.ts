// Binds the engine's app lifecycle (shared with the device simulator) to React Native's AppState
// for the signed-in user's system, with the OS task's register/unregister.
import { type BackgroundPolicy, createAppLifecycle } from '@vhd/background-sync';
import { useEffect } from 'react';
import { AppState } from 'react-native';
import { registerBackgroundSync, unregisterBackgroundSync } from './BackgroundSync';
import type { BackgroundSystem } from './BackgroundSystem';

export function useBackgroundLifecycle(system: BackgroundSystem | null, policy: BackgroundPolicy): void {
  useEffect(() => {
    if (!system) return;
    const lifecycle = createAppLifecycle({
      sync: system.sync,
      policy,
      register: registerBackgroundSync,
      unregister: unregisterBackgroundSync,
      logger: system.ports.logger,
      clock: system.ports.clock,
    });
    void lifecycle.start(AppState.currentState);
    const subscription = AppState.addEventListener('change', (state) => void lifecycle.onAppState(state));
    return () => {
      subscription.remove();
      lifecycle.stop();
    };
  }, [system, policy]);
}

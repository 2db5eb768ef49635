// A fake of the OS side of expo-background-task and expo-task-manager (their native modules do
// not exist under jest): which tasks are registered, how often, and the expiration listeners.
export interface FakeOs {
  status: number;
  registered: Map<string, { minimumInterval?: number }>;
  registerCalls: number;
  unregisterCalls: number;
  expirationListeners: Set<() => void>;
  expire(): void;
}

export const fakeOs: FakeOs = {
  status: 2,
  registered: new Map(),
  registerCalls: 0,
  unregisterCalls: 0,
  expirationListeners: new Set(),
  expire() {
    for (const l of [...this.expirationListeners]) l();
  },
};

export function resetFakeOs(): void {
  fakeOs.status = 2;
  fakeOs.registered.clear();
  fakeOs.registerCalls = 0;
  fakeOs.unregisterCalls = 0;
  fakeOs.expirationListeners.clear();
}

export function backgroundTaskModule() {
  const actual = jest.requireActual('expo-background-task');
  return {
    BackgroundTaskStatus: actual.BackgroundTaskStatus,
    BackgroundTaskResult: actual.BackgroundTaskResult,
    getStatusAsync: async () => fakeOs.status,
    registerTaskAsync: async (name: string, options: { minimumInterval?: number }) => {
      fakeOs.registerCalls++;
      fakeOs.registered.set(name, options);
    },
    unregisterTaskAsync: async (name: string) => {
      fakeOs.unregisterCalls++;
      fakeOs.registered.delete(name);
    },
    triggerTaskWorkerForTestingAsync: async () => true,
    addExpirationListener: (listener: () => void) => {
      fakeOs.expirationListeners.add(listener);
      return { remove: () => fakeOs.expirationListeners.delete(listener) };
    },
  };
}

export function taskManagerModule() {
  const actual = jest.requireActual('expo-task-manager');
  return {
    ...actual,
    isTaskRegisteredAsync: async (name: string) => fakeOs.registered.has(name),
  };
}

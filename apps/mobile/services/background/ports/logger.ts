// Sync errors are never shown as alerts (silent retry; the Sync screen shows them): they go to the
// device log only. console.warn rather than console.error keeps dev builds from a red screen.
import type { Logger } from '@vhd/background-sync';

export function createConsoleLogger(prefix = '[sync]'): Logger {
  const line = (msg: string, data?: Record<string, unknown>) =>
    data ? `${prefix} ${msg} ${JSON.stringify(data)}` : `${prefix} ${msg}`;
  return {
    debug: (msg, data) => {
      if (__DEV__) console.log(line(msg, data));
    },
    info: (msg, data) => console.log(line(msg, data)),
    warn: (msg, data) => console.warn(line(msg, data)),
    error: (msg, data) => console.warn(line(`ERROR ${msg}`, data)),
  };
}

export const syncLogger = createConsoleLogger();

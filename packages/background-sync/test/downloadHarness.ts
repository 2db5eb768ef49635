// Test support for the download tests: a @powersync/node database, the PowerSync double, a
// SyncController, and a RunContext for calling the download phase directly.

import { consoleLogger, createNodePorts, type NodePorts } from '../node/nodePorts';
import { Deadline } from '../src/abort';
import type { RunContext } from '../src/runPhase';
import { DEFAULT_SETTINGS, type SyncSettings } from '../src/settings';
import { SyncController } from '../src/syncController';
import type { TestDatabase } from './support/testDatabase';

/** SDK options that keep tests fast (defaults: 5 s retry, 1 s upload throttle). */
export const FAST_CONNECT = { retryDelayMs: 100, crudUploadThrottleMs: 10 } as const;

/** Small numbers so waits stay short; the phase's logic is the same at any scale. */
export const TEST_SETTINGS: SyncSettings = {
  ...DEFAULT_SETTINGS,
  safetyMarginMs: 200,
  downloadMinRemainingMs: 300,
  downloadMaxWaitMs: 10_000,
  disconnectTimeoutMs: 2_000,
};

export const quietLogger = consoleLogger('silent');

/**
 * A connector for the phase-level tests: credentials straight from a token function (the full-run
 * tests use the engine's BackendConnector and the server instead), no uploads.
 */
export function testConnector(credentials: () => Promise<{ endpoint: string; token: string }>) {
  let fetched = 0;
  return {
    get credentialsFetched() {
      return fetched;
    },
    beginSession() {},
    endSession() {},
    async fetchCredentials() {
      fetched++;
      return credentials();
    },
    async uploadData() {},
  };
}

export function testController(t: TestDatabase, connector: ReturnType<typeof testConnector>): SyncController {
  return new SyncController({
    db: t.syncDb,
    connector,
    connectOptions: FAST_CONNECT,
    logger: quietLogger,
    disconnectTimeoutMs: TEST_SETTINGS.disconnectTimeoutMs,
  });
}

export function testPorts(dir: string): NodePorts {
  return createNodePorts({
    apiUrl: 'http://127.0.0.1:9',
    documentsDir: dir,
    getToken: async () => 'unused',
    logger: quietLogger,
  });
}

let runCounter = 0;

/** A RunContext as runBackgroundSync builds it, with `budgetMs` on the wall clock. */
export function runContext(
  t: TestDatabase,
  ports: NodePorts,
  options: { budgetMs?: number; settings?: Partial<SyncSettings>; signal?: AbortSignal } = {},
): RunContext & { dispose(): void } {
  const settings = { ...TEST_SETTINGS, ...options.settings };
  const deadline = new Deadline(
    ports.clock,
    options.budgetMs ?? 30_000,
    settings.safetyMarginMs,
    options.signal,
  );
  return {
    runId: `test-${++runCounter}`,
    trigger: 'manual',
    startedAt: ports.clock.now(),
    deadline,
    signal: deadline.signal,
    settings,
    ports,
    db: t.syncDb,
    dispose: () => deadline.dispose(),
  };
}

// Test support for the download tests: a SyncController with a connector taking credentials from a
// token function, and a RunContext for calling the download phase directly.
import { createNodePorts, type NodePorts } from '../node/nodePorts';
import { RunBudget } from '../src/runBudget';
import type { RunContext } from '../src/runPhase';
import { DEFAULT_SETTINGS, type SyncSettings } from '../src/settings';
import { SyncController } from '../src/syncController';
import type { TestDatabase } from '../testing/testDatabase';
import { TEST_SETTINGS as ENGINE_TEST_SETTINGS, FAST_CONNECT, testLogger } from '../testing/testEngine';

/** The engine tests' scaled-down settings (200 ms margin, 500 ms minimum window, 5 s max wait). */
export const TEST_SETTINGS: SyncSettings = { ...DEFAULT_SETTINGS, ...ENGINE_TEST_SETTINGS };

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

export function testController(
  t: TestDatabase,
  connector: ReturnType<typeof testConnector>,
  connectOptions: Record<string, unknown> = FAST_CONNECT,
): SyncController {
  return new SyncController({
    db: t.syncDb,
    connector,
    connectOptions,
    logger: testLogger(),
    disconnectTimeoutMs: TEST_SETTINGS.disconnectTimeoutMs,
  });
}

export function testPorts(dir: string): NodePorts {
  return createNodePorts({
    apiUrl: 'http://127.0.0.1:9',
    documentsDir: dir,
    getToken: async () => 'unused',
    logger: testLogger(),
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
  const budget = new RunBudget({
    clock: ports.clock,
    budgetMs: options.budgetMs ?? 30_000,
    marginMs: settings.safetyMarginMs,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    runId: `test-${++runCounter}`,
    trigger: 'manual',
    startedAt: ports.clock.now(),
    budget,
    settings,
    ports,
    db: t.syncDb,
    dispose: () => budget.dispose(),
  };
}

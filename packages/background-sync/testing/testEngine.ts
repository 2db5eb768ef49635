// Test support: the engine on Node ports with small settings (so tests run fast), a switchable
// token provider, and fast SDK retry options.

import { consoleLogger, createNodePorts, type LogLevel, type NodePorts } from '../node/nodePorts';
import type { DevicePort } from '../src/backgroundCapability';
import type { SyncDatabase } from '../src/database';
import type { Logger } from '../src/ports';
import type { SyncSettings } from '../src/settings';
import { createSyncEngine, type SyncEngine, type SyncEngineOptions } from '../src/syncEngine';

/** SDK connect options for tests: retry quickly, no upload throttle. */
export const FAST_CONNECT = { retryDelayMs: 100, crudUploadThrottleMs: 10 } as const;

/** DESIGN's numbers scaled down for tests. */
export const TEST_SETTINGS: Partial<SyncSettings> = {
  safetyMarginMs: 200,
  requestTimeoutMs: 5_000,
  disconnectTimeoutMs: 2_000,
  downloadMinRemainingMs: 500,
  downloadMaxWaitMs: 5_000,
  retryBaseMs: 100,
  retryCapMs: 1_000,
};

export function testLogger(): Logger {
  return consoleLogger((process.env.LOG_LEVEL as LogLevel | undefined) ?? 'silent', 'test-engine');
}

/** A token provider the test can sign out, counting forced refreshes. */
export class TestAuth {
  signedIn = true;
  calls = 0;
  forcedRefreshes = 0;

  constructor(private readonly mint: () => Promise<string>) {}

  getToken = async (options?: { forceRefresh?: boolean }): Promise<string | null> => {
    this.calls++;
    if (options?.forceRefresh) this.forcedRefreshes++;
    return this.signedIn ? this.mint() : null;
  };
}

export interface TestEngine {
  engine: SyncEngine;
  ports: NodePorts;
}

export function createTestEngine(options: {
  db: SyncDatabase;
  apiUrl: string;
  getToken: (options?: { forceRefresh?: boolean }) => Promise<string | null>;
  documentsDir?: string;
  settings?: Partial<SyncSettings>;
  /** The run's photo and download phases; none unless given (most tests look at CRUD alone). */
  phases?: SyncEngineOptions['phases'];
  hooks?: SyncEngineOptions['hooks'];
  logger?: Logger;
  device?: DevicePort;
}): TestEngine {
  const ports = createNodePorts({
    apiUrl: options.apiUrl,
    documentsDir: options.documentsDir ?? '/nonexistent',
    getToken: options.getToken,
    logger: options.logger ?? testLogger(),
    ...(options.device ? { device: options.device } : {}),
  });
  const engine = createSyncEngine({
    db: options.db,
    ports,
    settings: { ...TEST_SETTINGS, ...options.settings },
    connectOptions: FAST_CONNECT,
    phases: options.phases ?? {},
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  return { engine, ports };
}

// A real PowerSync client (@powersync/node, the app's schema) pointed at the double, for tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PowerSyncDatabase, SyncStatus } from '@powersync/node';
import { openNodeDatabase } from '@vhd/background-sync/node';

export const FAST_SYNC = { retryDelayMs: 100, crudUploadThrottleMs: 10 } as const;

export interface TestClient {
  db: PowerSyncDatabase;
  /** How many times the SDK asked for credentials. */
  credentialsFetched: () => number;
  connect(): Promise<void>;
  /** Waits (bounded) until the client is connected, idle and has synced after `since` (strictly: lastSyncedAt has ms precision, and a sync in the same ms may be the previous one). */
  caughtUp(since?: Date, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openTestClient(options: {
  endpoint: () => string;
  token: () => Promise<string>;
  dir?: string;
}): Promise<TestClient & { dir: string }> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ps-double-')));
  const db = await openNodeDatabase({ path: join(dir, 'client.db'), readWorkerCount: 1 });
  let fetched = 0;
  const connector = {
    async fetchCredentials() {
      fetched++;
      return { endpoint: options.endpoint(), token: await options.token() };
    },
    async uploadData() {},
  };
  return {
    db,
    dir,
    credentialsFetched: () => fetched,
    connect: () => db.connect(connector, FAST_SYNC),
    async caughtUp(since = new Date(0), timeoutMs = 10_000) {
      await db.waitForStatus(
        (s: SyncStatus) =>
          s.connected && !s.dataFlowStatus.downloading && (s.lastSyncedAt?.getTime() ?? -1) > since.getTime(),
        AbortSignal.timeout(timeoutMs),
      );
    },
    async close() {
      await db.close();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

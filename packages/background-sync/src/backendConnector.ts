// The PowerSync connector: credentials from our server, uploads through the one CrudUploader under
// the one upload mutex (a background run may be uploading: uploadData waits for it, bounded by its
// session signal, instead of failing). The SyncController ends the session before disconnecting,
// which aborts an in-flight upload so the SDK's disconnect() returns promptly.
import type { ApiClient } from './apiClient';
import type { CrudUploader } from './crudUploader';
import type { Mutex } from './mutex';
import type { Logger } from './ports';
import { RunBudget } from './runBudget';
import type { ControlledConnector } from './syncController';

export const TOKEN_PATH = '/api/powersync/token';

export interface PowerSyncCredentialsLike {
  endpoint: string;
  token: string;
  expiresAt?: Date;
}

export interface BackendConnectorDeps {
  api: ApiClient;
  uploader: CrudUploader;
  uploadMutex: Mutex;
  logger: Logger;
  requestTimeoutMs: number;
}

export class BackendConnector implements ControlledConnector {
  /** No deadline: bounded by its end (a disconnect) and each request's timeout. */
  private session = new RunBudget({});

  constructor(private readonly deps: BackendConnectorDeps) {}

  beginSession(): void {
    if (this.session.signal.aborted) this.session = new RunBudget({});
  }

  endSession(reason: string): void {
    this.session.abort(`connector session ended: ${reason}`);
  }

  /** Credentials for the PowerSync service, or null when signed out (the SDK then stays idle). */
  async fetchCredentials(): Promise<PowerSyncCredentialsLike | null> {
    const res = await this.deps.api.get<{ endpoint?: unknown; token?: unknown; expiresAt?: unknown }>(
      TOKEN_PATH,
      {
        budget: this.session,
        timeoutMs: this.deps.requestTimeoutMs,
      },
    );
    if (!res.ok) {
      if (res.failure.kind === 'signed_out') return null;
      // Thrown errors make the SDK retry after retryDelayMs.
      throw new Error(`fetchCredentials: ${describe(res.failure)}`);
    }
    const { endpoint, token, expiresAt } = res.body;
    if (typeof endpoint !== 'string' || typeof token !== 'string') {
      throw new Error('fetchCredentials: token answer lacks endpoint/token');
    }
    const expires = parseExpiry(expiresAt);
    // The SDK builds `${endpoint}/sync/stream`: the endpoint must not end with '/'.
    return { endpoint: endpoint.replace(/\/+$/, ''), token, ...(expires ? { expiresAt: expires } : {}) };
  }

  /** Called by the SDK while connected. Throwing makes the SDK retry after retryDelayMs. */
  async uploadData(): Promise<void> {
    const budget = this.session;
    const release = await this.deps.uploadMutex.acquire('connector', budget.signal);
    try {
      const result = await this.deps.uploader.upload({ budget });
      if (result.status === 'stopped') {
        throw new Error(`upload stopped (${result.stop?.cause}): ${result.stop?.reason}`);
      }
    } finally {
      release();
    }
  }
}

function describe(f: { kind: string; message?: string }): string {
  return f.message ? `${f.kind}: ${f.message}` : f.kind;
}

function parseExpiry(v: unknown): Date | undefined {
  if (typeof v === 'string' || typeof v === 'number') {
    // Numbers below 1e12 are epoch seconds (JWT style), above are milliseconds.
    const d = typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v) : new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

// Test doubles for in-process uploader tests (fast enough for mutation testing): an in-memory
// ps_crud that answers the uploader's two queries and PowerSync's getCrudBatch, and a scripted
// server behind the FetchPort, so the real ApiClient runs without a socket.
import { ApiClient } from '../../src/apiClient';
import { utf8Length } from '../../src/crudPayload';
import type { CrudBatchLike, SqlExecutor, SyncDatabase } from '../../src/database';
import type { Clock, Connectivity, FetchPort, Logger } from '../../src/ports';

export interface FakeCrudRow {
  id: number;
  tx_id: number | null;
  data: string;
}

/** Test double of the PowerSync database, limited to what the crud uploader uses. */
export class FakeCrudDb {
  rows: FakeCrudRow[] = [];
  /** Parameters of each sync_rejections insert, in order. */
  rejectionInserts: unknown[][] = [];
  completions = 0;
  /** Runs at each ps_crud read (e.g. to move a clock as a slow query would). */
  onQuery: (() => void) | undefined;
  /** How often the uploader had to measure a whole transaction beyond its look-ahead. */
  wholeTransactionQueries = 0;
  /** Replaces the batch PowerSync hands out (to model a ps_crud changed behind the uploader). */
  batchOverride: ((limit: number) => CrudBatchLike | null) | undefined;

  /** Appends one transaction of `sizes.length` ops (tx_id null when `txId` is null); returns their ids. */
  addTransaction(txId: number | null, sizes: number[]): number[] {
    const ids: number[] = [];
    for (const size of sizes) {
      const id = (this.rows.at(-1)?.id ?? 0) + 1;
      this.rows.push({ id, tx_id: txId, data: JSON.stringify({ v: 'x'.repeat(size) }) });
      ids.push(id);
    }
    return ids;
  }

  get ids(): number[] {
    return this.rows.map((r) => r.id);
  }

  private readonly executor: SqlExecutor = {
    execute: async (sql, params = []) => {
      if (!sql.includes('INSERT INTO sync_rejections')) throw new Error(`unexpected SQL: ${sql}`);
      this.rejectionInserts.push(params);
      return {};
    },
    getAll: async <T>(sql: string, params: unknown[] = []) => {
      this.onQuery?.();
      if (!sql.includes('FROM ps_crud ORDER BY id LIMIT ?')) throw new Error(`unexpected SQL: ${sql}`);
      const limit = params[0];
      if (typeof limit !== 'number') throw new Error('ps_crud query without a limit');
      return this.rows
        .slice(0, limit)
        .map((r) => ({ id: r.id, tx_id: r.tx_id, bytes: utf8Length(r.data) })) as T[];
    },
    get: async <T>(sql: string, params: unknown[] = []) => {
      if (!sql.includes('FROM ps_crud WHERE tx_id = ?')) throw new Error(`unexpected SQL: ${sql}`);
      this.wholeTransactionQueries++;
      // SQL: `tx_id = NULL` matches no row.
      const tx = this.rows.filter((r) => r.tx_id !== null && r.tx_id === params[0]);
      return {
        n: tx.length,
        last: Math.max(...tx.map((r) => r.id)),
        bytes: tx.reduce((s, r) => s + utf8Length(r.data), 0),
      } as T;
    },
    getOptional: async () => {
      throw new Error('not used by the uploader');
    },
  };

  /** The object the uploader gets; only the members it uses are backed. */
  asSyncDatabase(): SyncDatabase {
    const db = {
      ...this.executor,
      getClientId: async () => 'client-1',
      writeTransaction: async <T>(fn: (tx: SqlExecutor) => Promise<T>) => fn(this.executor),
      getCrudBatch: async (limit = 100) =>
        this.batchOverride ? this.batchOverride(limit) : this.batch(limit),
    };
    return db as unknown as SyncDatabase;
  }

  private batch(limit: number): CrudBatchLike | null {
    const rows = this.rows.slice(0, limit);
    if (rows.length === 0) return null;
    const last = rows[rows.length - 1] as FakeCrudRow;
    return {
      crud: rows.map((r) => ({
        clientId: r.id,
        id: `row-${r.id}`,
        op: 'PUT',
        table: 'test_table',
        opData: JSON.parse(r.data) as Record<string, unknown>,
        ...(r.tx_id !== null ? { transactionId: r.tx_id } : {}),
      })),
      haveMore: this.rows.length > rows.length,
      complete: async () => {
        this.completions++;
        this.rows = this.rows.filter((r) => r.id > last.id);
      },
    };
  }
}

export interface SentUpload {
  method: string;
  client_id: string;
  batch: Array<{ op_id: number; tx_id?: number }>;
  /** The request body's UTF-8 length. */
  bytes: number;
}

export type ServerReply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { networkError: string };

/** A scripted upload endpoint: `answer` sees each request and decides the reply (default: all applied). */
export class FakeUploadServer {
  requests: SentUpload[] = [];
  maxRequests = 50;
  answer: (req: SentUpload, index: number, signal?: AbortSignal) => ServerReply | Promise<ServerReply> = (
    req,
  ) => ({
    status: 200,
    body: { applied: req.batch.map((o) => o.op_id), rejected: [] },
  });

  /** The reply to GET /health. */
  health: ServerReply = { status: 200, body: { status: 'ok' } };
  healthChecks = 0;

  readonly fetch: FetchPort = async (url, init) => {
    // A macrotask per request, so a request loop cannot starve the test's timers, and a bound on
    // requests, so an uploader that resends forever fails its test instead of hanging it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (this.requests.length >= this.maxRequests) throw new Error(`more than ${this.maxRequests} requests`);
    if (url.endsWith('/health')) {
      this.healthChecks++;
      return toResponse(this.health);
    }
    const body = init?.body ?? '';
    const parsed = JSON.parse(body) as Omit<SentUpload, 'bytes' | 'method'>;
    const req = { ...parsed, method: init?.method ?? 'GET', bytes: utf8Length(body) };
    this.requests.push(req);
    return toResponse(await this.answer(req, this.requests.length - 1, init?.signal));
  };
}

function toResponse(reply: ServerReply): Awaited<ReturnType<FetchPort>> {
  if ('networkError' in reply) throw new TypeError(reply.networkError);
  const headers = reply.headers ?? {};
  return {
    ok: reply.status >= 200 && reply.status < 300,
    status: reply.status,
    headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
    text: async () => (reply.body === undefined ? '' : JSON.stringify(reply.body)),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function onlineConnectivity(online = true): Connectivity {
  return { getState: async () => ({ online, metered: false }) };
}

export function fakeApi(server: FakeUploadServer, clock: Clock): ApiClient {
  return new ApiClient({
    fetch: server.fetch,
    auth: { getToken: async () => 'token' },
    apiUrl: 'http://server.test',
    clock,
    logger: silentLogger,
  });
}

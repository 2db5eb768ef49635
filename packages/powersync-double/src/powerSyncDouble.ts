// TEST DOUBLE of the PowerSync service — for tests, the simulator and the demo only; never used in
// production (production points at PowerSync Cloud or a self-hosted service by configuration).
// It speaks the HTTP sync protocol the PowerSync client uses (notes/powersync-client-facts.md):
// `POST /sync/stream` (NDJSON lines, gzip when asked) and `GET /write-checkpoint2.json`, verifies
// tokens against a JWKS URL, and serves one bucket per organization holding that organization's rows
// of every table. Changes reach streams after a replication lag, like the service's.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpLog, type Row } from './opLog';
import type { BucketRequest } from './protocol';
import { DEFAULT_REPLICATION_LAG, type ReplicationLag, ReplicationQueue } from './replicationLag';
import { type StreamInfo, StreamSession } from './streamSession';
import { serviceTimestamptz } from './timestamptz';
import { createTokenVerifier, TokenRejected, type VerifiedToken } from './tokenVerifier';

export interface PowerSyncDoubleOptions {
  /** Where the signing keys are published, e.g. `<server>/.well-known/jwks.json`. */
  jwksUrl: string;
  /** Required `aud` of tokens (any of them, if a list); unchecked when absent. */
  audience?: string | string[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Interval of `token_expires_in` keep-alive lines on open streams. Default 20 s. */
  keepAliveMs?: number;
  /** Ops per `data` line. Default 1,000. */
  maxOpsPerLine?: number;
  /** Delay before a change reaches the streams. Default 50–150 ms, like the real service on loopback. */
  replicationLagMs?: ReplicationLag;
  /** Source of the lag draws in [0, 1) (seed it for repeatable runs). Default Math.random. */
  random?: () => number;
  /** The sync config's version, the prefix of bucket names (`1#org_data[…]`). Default 1. */
  syncConfigVersion?: number;
}

/** Faults the double can be told to act out; `setBehaviour` merges a partial update. */
export interface DoubleBehaviour {
  /** Open and new streams stop sending anything (lines, keep-alives) yet stay open: a hung service. */
  stall: boolean;
  /** Each new stream goes silent after sending this many lines (the first is the checkpoint). */
  stallAfterLines: number | undefined;
  /** The next N requests carrying a token get 401, valid or not. */
  rejectNextTokens: number;
  /** Answer `POST /sync/stream` with this HTTP status instead of a stream (e.g. 503). */
  failStreamsWith: number | undefined;
  /** Delay before a change (rows, write checkpoints) reaches the streams; 0 for none. */
  replicationLagMs: ReplicationLag;
}

export type DoubleEvent =
  | { type: 'stream_open'; at: number; stream: StreamInfo }
  | { type: 'stream_close'; at: number; stream: StreamInfo }
  | { type: 'stream_stalled'; at: number; stream: StreamInfo }
  | { type: 'stream_refused'; at: number; status: number }
  | { type: 'unauthorized'; at: number; path: string; reason: string }
  | {
      type: 'write_checkpoint';
      at: number;
      sub: string;
      clientId: string | undefined;
      writeCheckpoint: string;
    };

export interface DoubleStats {
  streamsOpened: number;
  streamsOpen: number;
  unauthorized: number;
  writeCheckpoints: number;
}

export interface PowerSyncDouble {
  /** Base URL to return as the credentials' `endpoint` (no trailing slash). */
  readonly url: string;
  /** The bucket holding an organization's rows. */
  bucketName(orgId: string): string;
  /**
   * Puts (inserts or replaces) a row of `table` for `orgId`; returns the op id. A `Date` value is a
   * timestamptz: it goes out as the service's text (`2026-12-04 19:11:27.59Z`), other values as given.
   */
  putRow(orgId: string, table: string, row: Row): string;
  /** Puts several rows in one change: open streams get one checkpoint round for all of them. */
  putRows(orgId: string, table: string, rows: Row[]): string[];
  /** Deletes a row (a REMOVE op); returns the op id, or undefined when the organization has no such row. */
  deleteRow(orgId: string, table: string, id: string): string | undefined;
  /** The organization's current rows (of one table, if given). */
  rows(orgId: string, table?: string): Row[];
  /** Full checksum and op count of an organization's bucket, as checkpoints state them once replicated. */
  bucketState(orgId: string): { checksum: number; count: number; lastOpId: number };
  /** Resolves once every change made so far has reached the streams (replication caught up). */
  replicated(): Promise<void>;
  readonly behaviour: Readonly<DoubleBehaviour>;
  setBehaviour(update: Partial<DoubleBehaviour>): void;
  /** Every stream ever opened, oldest first (live objects: they update as streams progress and close). */
  readonly streams: readonly StreamInfo[];
  readonly events: readonly DoubleEvent[];
  stats(): DoubleStats;
  /**
   * Resolves with the first event matching `predicate`, looking at events from index `since`
   * (default: only future events); rejects after `timeoutMs` (default 10 s).
   */
  waitFor<E extends DoubleEvent>(
    predicate: (e: DoubleEvent) => e is E,
    options?: { since?: number; timeoutMs?: number },
  ): Promise<E>;
  waitFor(
    predicate: (e: DoubleEvent) => boolean,
    options?: { since?: number; timeoutMs?: number },
  ): Promise<DoubleEvent>;
  /** Ends every open stream cleanly from the double's side (clients reconnect). */
  endStreams(): void;
  close(): Promise<void>;
}

const BUCKET_DEFINITION = 'org_data';
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `1#org_data["<org id>"]`: how the service names a bucket of definition `org_data` with one
 * parameter, prefixed by the sync config's version.
 */
export function orgBucketName(orgId: string, syncConfigVersion = 1): string {
  return `${syncConfigVersion}#${BUCKET_DEFINITION}${JSON.stringify([orgId])}`;
}

export async function createPowerSyncDouble(options: PowerSyncDoubleOptions): Promise<PowerSyncDouble> {
  const verify = createTokenVerifier(options);
  const keepAliveMs = options.keepAliveMs ?? 20_000;
  const maxOpsPerLine = options.maxOpsPerLine ?? 1_000;
  const bucketName = (orgId: string) => orgBucketName(orgId, options.syncConfigVersion ?? 1);
  const log = new OpLog();
  // What the streams see: ops up to this id, and the write checkpoints replication has reached.
  let replicatedHead = 0;
  const sessions = new Set<StreamSession>();
  const streams: StreamInfo[] = [];
  const events: DoubleEvent[] = [];
  const listeners = new Set<(e: DoubleEvent) => void>();
  const writeCheckpoints = new Map<string, string>();
  let writeCheckpointCounter = 0;
  let streamCounter = 0;
  let unauthorized = 0;
  const behaviour: DoubleBehaviour = {
    stall: false,
    stallAfterLines: undefined,
    rejectNextTokens: 0,
    failStreamsWith: undefined,
    replicationLagMs: options.replicationLagMs ?? DEFAULT_REPLICATION_LAG,
  };
  const replication = new ReplicationQueue(() => behaviour.replicationLagMs, options.random ?? Math.random);
  const replicatedWaiters: Array<() => void> = [];

  const emit = (e: DoubleEvent) => {
    events.push(e);
    for (const l of [...listeners]) l(e);
  };
  // The service keys write checkpoints by user and client id; a request without client_id gets one too.
  const wcKey = (sub: string, clientId: string | undefined) => `${sub}\u0000${clientId ?? ''}`;

  // Changes made in one tick reach each open stream as one checkpoint round.
  const dirty = new Set<StreamSession>();
  let flushScheduled = false;
  const scheduleSync = (match: (info: StreamInfo) => boolean) => {
    for (const s of sessions) if (match(s.info)) dirty.add(s);
    if (flushScheduled || dirty.size === 0) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      const due = [...dirty];
      dirty.clear();
      for (const s of due) s.sync();
    });
  };

  async function authenticate(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<VerifiedToken | undefined> {
    const authorization = req.headers.authorization;
    let reason: string | undefined;
    let token: VerifiedToken | undefined;
    if (authorization !== undefined && behaviour.rejectNextTokens > 0) {
      behaviour.rejectNextTokens--;
      reason = 'rejected by behaviour rejectNextTokens';
    } else {
      try {
        token = await verify(authorization);
      } catch (e) {
        if (!(e instanceof TokenRejected)) throw e;
        reason = e.message;
      }
    }
    if (token) return token;
    unauthorized++;
    emit({ type: 'unauthorized', at: Date.now(), path, reason: reason ?? 'unknown' });
    sendJson(res, 401, {
      error: { code: 'PSYNC_S2101', status: 401, description: 'Authentication required', details: reason },
    });
    return undefined;
  }

  async function handleStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const token = await authenticate(req, res, '/sync/stream');
    if (!token) return;
    if (body === undefined || typeof body !== 'object' || body === null) {
      return sendJson(res, 400, {
        error: { code: 'PSYNC_S2001', status: 400, description: 'Invalid JSON body' },
      });
    }
    if (behaviour.failStreamsWith !== undefined) {
      emit({ type: 'stream_refused', at: Date.now(), status: behaviour.failStreamsWith });
      return sendJson(res, behaviour.failStreamsWith, {
        error: { code: 'PSYNC_S2003', description: 'Refused by behaviour' },
      });
    }
    const b = body as { buckets?: unknown; client_id?: unknown };
    const info: StreamInfo = {
      id: ++streamCounter,
      sub: token.sub,
      orgId: token.orgId,
      clientId: typeof b.client_id === 'string' ? b.client_id : undefined,
      requestBuckets: parseBucketRequests(b.buckets),
      // Mirrors a sync rule `SELECT request.jwt() ->> 'org_id'`: no organization, no bucket.
      buckets: token.orgId === undefined ? [] : [bucketName(token.orgId)],
      openedAt: Date.now(),
      stalled: false,
      linesSent: 0,
      checkpointsSent: 0,
      opsSent: 0,
      gzip: acceptsGzip(req),
      format: prefersBson(req) ? 'bson' : 'ndjson',
    };
    res.writeHead(200, {
      'content-type': info.format === 'bson' ? BSON_STREAM : 'application/x-ndjson',
      'cache-control': 'no-store',
      ...(info.gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const session = new StreamSession({
      res,
      info,
      log,
      exp: token.exp,
      keepAliveMs,
      maxOpsPerLine,
      replicatedHead: () => replicatedHead,
      streams: [{ name: BUCKET_DEFINITION, is_default: true, errors: [] }],
      writeCheckpoint: () => writeCheckpoints.get(wcKey(info.sub, info.clientId)),
      shouldStall: (i) =>
        behaviour.stall ||
        (behaviour.stallAfterLines !== undefined && i.linesSent >= behaviour.stallAfterLines),
      onStalled: (i) => emit({ type: 'stream_stalled', at: Date.now(), stream: i }),
      onClosed: (i) => {
        sessions.delete(session);
        dirty.delete(session);
        emit({ type: 'stream_close', at: Date.now(), stream: i });
      },
    });
    sessions.add(session);
    streams.push(info);
    emit({ type: 'stream_open', at: Date.now(), stream: info });
    session.start();
  }

  async function handleWriteCheckpoint(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    await readJson(req);
    const token = await authenticate(req, res, url.pathname);
    if (!token) return;
    const clientId = url.searchParams.get('client_id') || undefined;
    const writeCheckpoint = String(++writeCheckpointCounter);
    emit({ type: 'write_checkpoint', at: Date.now(), sub: token.sub, clientId, writeCheckpoint });
    sendJson(res, 200, { data: { write_checkpoint: writeCheckpoint } });
    // Like the service: the checkpoint reaches the stream once replication passes everything written
    // before it was asked for.
    replicate(() => {
      writeCheckpoints.set(wcKey(token.sub, clientId), writeCheckpoint);
      scheduleSync((i) => i.sub === token.sub && i.clientId === clientId);
    });
  }

  /** Queues a change behind the replication lag; wakes `replicated()` waiters when the queue drains. */
  function replicate(apply: () => void): void {
    replication.push(() => {
      apply();
      if (replication.pending === 0) for (const w of replicatedWaiters.splice(0)) w();
    });
  }

  // Changes made in one tick replicate together, like one source transaction.
  let tickOps: { head: number; orgs: Set<string>; applied: boolean } | undefined;
  const applyOps = (entry: { head: number; orgs: Set<string>; applied: boolean }) => {
    entry.applied = true;
    replicatedHead = Math.max(replicatedHead, entry.head);
    scheduleSync((i) => i.orgId !== undefined && entry.orgs.has(i.orgId));
  };
  /** Makes ops appended so far visible to the streams of `orgId` after the lag. */
  function replicateOps(orgId: string): void {
    if (tickOps) {
      tickOps.head = log.headOpId;
      tickOps.orgs.add(orgId);
      // Without lag the tick's first change was applied at once: so is this one.
      if (tickOps.applied) applyOps(tickOps);
      return;
    }
    const entry = { head: log.headOpId, orgs: new Set([orgId]), applied: false };
    tickOps = entry;
    setImmediate(() => {
      if (tickOps === entry) tickOps = undefined;
    });
    replicate(() => applyOps(entry));
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://double');
    const route =
      req.method === 'POST' && url.pathname === '/sync/stream'
        ? handleStream(req, res)
        : req.method === 'GET' && url.pathname === '/write-checkpoint2.json'
          ? handleWriteCheckpoint(req, res, url)
          : Promise.resolve(
              sendJson(res, 404, { error: { code: 'PSYNC_S2002', status: 404, description: 'Not found' } }),
            );
    route.catch((e: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'PSYNC_S2000', status: 500, description: String(e) } });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const putRows = (orgId: string, table: string, rows: Row[]): string[] => {
    for (const row of rows) checkRow(table, row);
    const ids = rows.map((row) => String(log.put(bucketName(orgId), table, asServiceRow(row)).opId));
    replicateOps(orgId);
    return ids;
  };

  function waitFor(
    predicate: (e: DoubleEvent) => boolean,
    opts: { since?: number; timeoutMs?: number } = {},
  ): Promise<DoubleEvent> {
    const past = opts.since === undefined ? undefined : events.slice(opts.since).find(predicate);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`powersync double: no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (e: DoubleEvent) => {
        if (!predicate(e)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(e);
      };
      listeners.add(listener);
    });
  }

  return {
    url: `http://${host}:${address.port}`,
    bucketName,
    putRow: (orgId, table, row) => putRows(orgId, table, [row])[0] as string,
    putRows,
    deleteRow(orgId, table, id) {
      const op = log.remove(bucketName(orgId), table, id);
      if (!op) return undefined;
      replicateOps(orgId);
      return String(op.opId);
    },
    rows: (orgId, table) => log.rows(bucketName(orgId), table),
    bucketState: (orgId) => log.state(bucketName(orgId)),
    replicated: () =>
      replication.pending === 0
        ? Promise.resolve()
        : new Promise((resolve) => replicatedWaiters.push(resolve)),
    behaviour,
    setBehaviour(update) {
      Object.assign(behaviour, update);
    },
    streams,
    events,
    stats: () => ({
      streamsOpened: streams.length,
      streamsOpen: sessions.size,
      unauthorized,
      writeCheckpoints: writeCheckpointCounter,
    }),
    waitFor: waitFor as PowerSyncDouble['waitFor'],
    endStreams() {
      for (const s of [...sessions]) s.end();
    },
    async close() {
      replication.close();
      for (const w of replicatedWaiters.splice(0)) w();
      for (const s of [...sessions]) s.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function checkRow(table: string, row: Row): void {
  if (typeof table !== 'string' || table === '')
    throw new TypeError('powersync double: table must be a non-empty string');
  if (typeof row?.id !== 'string' || row.id === '') {
    throw new TypeError(`powersync double: a ${table} row needs a non-empty string id`);
  }
}

/** Dates as the service renders a timestamptz (see timestamptz.ts). */
function asServiceRow(row: Row): Row {
  const out: Row = { ...row };
  for (const [k, v] of Object.entries(row))
    if (v instanceof Date) out[k] = serviceTimestamptz(v.toISOString());
  return out;
}

function parseBucketRequests(value: unknown): BucketRequest[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((b): b is { name: string; after: unknown } => typeof b?.name === 'string')
    .map((b) => ({ name: b.name, after: String(b.after ?? '0') }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

const BSON_STREAM = 'application/vnd.powersync.bson-stream';

/** Content negotiation as the service does it: BSON when the client ranks it at least as high as NDJSON. */
function prefersBson(req: IncomingMessage): boolean {
  const ranks = new Map<string, number>();
  for (const part of (req.headers.accept ?? '').split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim());
    const q = params.find((p) => p.startsWith('q='));
    ranks.set(type.toLowerCase(), q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  const bson = ranks.get(BSON_STREAM) ?? 0;
  return bson > 0 && bson >= (ranks.get('application/x-ndjson') ?? 0);
}

function acceptsGzip(req: IncomingMessage): boolean {
  const accept = req.headers['accept-encoding'];
  return typeof accept === 'string' && /\bgzip\b(?!;q=0(\.0*)?\b)/.test(accept);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

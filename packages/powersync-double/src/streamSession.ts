// One open `POST /sync/stream` response, shaped like the service's: it opens with a checkpoint (no
// leading keep-alive), the ops the client lacks and `checkpoint_complete`, then stays open and sends
// a `checkpoint_diff` round whenever its replicated buckets or its write checkpoint change, with
// `token_expires_in` keep-alives, a warning in the token's last 20 s, and `token_expires_in: 0`
// followed by the end of the stream at expiry. BSON documents or NDJSON lines, as the client prefers
// (the SDK prefers BSON); gzip-encoded when the client accepts it.
import type { ServerResponse } from 'node:http';
import { createGzip, type Gzip } from 'node:zlib';
import { serialize } from 'bson';
import { type BucketState, type OpLog, toLine } from './opLog';
import {
  type BucketChecksumLine,
  type BucketRequest,
  DEFAULT_PRIORITY,
  type StreamDescription,
  type SyncLine,
} from './protocol';

/** The service warns this long before the token expires (then sends 0 and ends the stream). */
const EXPIRY_WARNING_MS = 20_000;

export interface StreamInfo {
  id: number;
  sub: string;
  orgId: string | undefined;
  clientId: string | undefined;
  /** The request body's `buckets`: the positions the client resumes from (`[]` on a fresh database). */
  requestBuckets: BucketRequest[];
  /** The buckets this stream serves (those of the token's organization). */
  buckets: string[];
  openedAt: number;
  closedAt?: number;
  /** `client`: the client went away (disconnect, abort); `server`: the double ended the stream. */
  closedBy?: 'client' | 'server';
  /** The double stopped answering on this stream (a hung service); it stays open but silent. */
  stalled: boolean;
  linesSent: number;
  checkpointsSent: number;
  opsSent: number;
  /** Whether the stream is gzip-encoded (the client sent `accept-encoding: gzip`). */
  gzip: boolean;
  /** `bson`: concatenated BSON documents (what the SDK prefers); `ndjson`: JSON lines. */
  format: 'bson' | 'ndjson';
}

export interface StreamSessionDeps {
  res: ServerResponse;
  info: StreamInfo;
  log: OpLog;
  /** Token expiry, epoch seconds. */
  exp: number;
  keepAliveMs: number;
  maxOpsPerLine: number;
  /** The newest op id replication has reached: the stream sends nothing newer. */
  replicatedHead(): number;
  /** The sync config's definitions, as the checkpoint's `streams`; each bucket's `subscriptions` points into it. */
  streams: StreamDescription[];
  writeCheckpoint(): string | undefined;
  /** Whether the next line must not be sent (the double is told to hang). */
  shouldStall(info: StreamInfo): boolean;
  onStalled(info: StreamInfo): void;
  onClosed(info: StreamInfo): void;
}

export class StreamSession {
  private readonly positions = new Map<string, number>();
  private sentStates: Map<string, BucketState> | undefined;
  private sentWriteCheckpoint: string | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private endedByServer = false;
  private ending = false;
  private readonly gzip: Gzip | undefined;

  constructor(private readonly deps: StreamSessionDeps) {
    if (deps.info.gzip) {
      this.gzip = createGzip();
      this.gzip.pipe(deps.res);
    }
    const requested = new Map(deps.info.requestBuckets.map((b) => [b.name, b.after]));
    for (const bucket of deps.info.buckets) {
      const after = Number(requested.get(bucket) ?? 0);
      this.positions.set(bucket, Number.isSafeInteger(after) && after > 0 ? after : 0);
    }
    deps.res.on('close', () => this.closed());
  }

  get info(): StreamInfo {
    return this.deps.info;
  }

  get open(): boolean {
    return this.deps.info.closedAt === undefined;
  }

  start(): void {
    const { keepAliveMs, exp } = this.deps;
    this.sync();
    const keepAlive = setInterval(() => this.write({ token_expires_in: this.secondsLeft() }), keepAliveMs);
    const untilExpiry = exp * 1000 - Date.now();
    const timers = [keepAlive];
    if (untilExpiry > EXPIRY_WARNING_MS)
      timers.push(
        setTimeout(
          () => this.write({ token_expires_in: this.secondsLeft() }),
          untilExpiry - EXPIRY_WARNING_MS,
        ),
      );
    // Like the service: at expiry say so (0 makes the client reconnect with fresh credentials) and end.
    timers.push(
      setTimeout(
        () => {
          this.write({ token_expires_in: 0 });
          this.end();
        },
        Math.min(2 ** 31 - 1, Math.max(0, untilExpiry)),
      ),
    );
    for (const t of timers) t.unref();
    this.timers.push(...timers);
  }

  /** Sends what changed since the last checkpoint round (everything on the first call). */
  sync(): void {
    if (!this.open || this.deps.info.stalled) return;
    const { log, info } = this.deps;
    const head = this.deps.replicatedHead();
    const states = new Map(info.buckets.map((b) => [b, log.state(b, head)]));
    const writeCheckpoint = this.deps.writeCheckpoint();
    const lastOpId = String(head);
    const toChecksum = (bucket: string, s: BucketState): BucketChecksumLine => ({
      bucket,
      checksum: s.checksum,
      count: s.count,
      priority: DEFAULT_PRIORITY,
      subscriptions: [{ default: 0 }],
    });

    if (!this.sentStates) {
      const buckets = [...states].map(([b, s]) => toChecksum(b, s));
      const checkpoint = {
        last_op_id: lastOpId,
        ...wc(writeCheckpoint),
        buckets,
        streams: this.deps.streams,
      };
      if (!this.write({ checkpoint })) return;
    } else {
      const previous = this.sentStates;
      const updated = [...states].filter(([b, s]) => previous.get(b)?.lastOpId !== s.lastOpId);
      if (updated.length === 0 && writeCheckpoint === this.sentWriteCheckpoint) return;
      const diff = {
        last_op_id: lastOpId,
        ...wc(writeCheckpoint),
        updated_buckets: updated.map(([b, s]) => toChecksum(b, s)),
        removed_buckets: [],
      };
      if (!this.write({ checkpoint_diff: diff })) return;
    }
    info.checkpointsSent++;
    this.sentStates = states;
    this.sentWriteCheckpoint = writeCheckpoint;

    for (const [bucket, state] of states) {
      const after = this.positions.get(bucket) ?? 0;
      if (state.lastOpId <= after) continue;
      const ops = log.opsAfter(bucket, after, head);
      for (let i = 0; i < ops.length; i += this.deps.maxOpsPerLine) {
        const chunk = ops.slice(i, i + this.deps.maxOpsPerLine);
        const from = this.positions.get(bucket) ?? 0;
        const nextAfter = chunk.at(-1)?.opId ?? from;
        const line: SyncLine = {
          data: {
            bucket,
            after: String(from),
            next_after: String(nextAfter),
            has_more: i + chunk.length < ops.length,
            data: chunk.map(toLine),
          },
        };
        if (!this.write(line)) return;
        info.opsSent += chunk.length;
        this.positions.set(bucket, nextAfter);
      }
    }
    this.write({ checkpoint_complete: { last_op_id: lastOpId } });
  }

  /** Ends the stream from the double's side. */
  end(): void {
    if (!this.open || this.ending) return;
    this.endedByServer = true;
    this.ending = true;
    (this.gzip ?? this.deps.res).end();
  }

  /** Drops the connection without a clean end (used on close()). */
  destroy(): void {
    if (!this.open) return;
    this.endedByServer = true;
    this.deps.res.destroy();
  }

  private write(line: SyncLine): boolean {
    const { info, res } = this.deps;
    if (!this.open || this.ending || info.stalled || res.writableEnded) return false;
    if (this.deps.shouldStall(info)) {
      info.stalled = true;
      this.deps.onStalled(info);
      return false;
    }
    // Like the service: the same line objects, BSON-serialized or as JSON text.
    const text = info.format === 'bson' ? serialize(line) : `${JSON.stringify(line)}\n`;
    if (this.gzip) {
      this.gzip.write(text);
      // Each line must reach the client now, not when the compressor's buffer fills.
      this.gzip.flush();
    } else res.write(text);
    info.linesSent++;
    return true;
  }

  private secondsLeft(): number {
    return Math.max(0, Math.ceil(this.deps.exp - Date.now() / 1000));
  }

  private closed(): void {
    if (!this.open) return;
    for (const t of this.timers) clearTimeout(t);
    this.gzip?.destroy();
    const { info } = this.deps;
    info.closedAt = Date.now();
    info.closedBy = this.endedByServer ? 'server' : 'client';
    this.deps.onClosed(info);
  }
}

function wc(writeCheckpoint: string | undefined): { write_checkpoint?: string } {
  return writeCheckpoint === undefined ? {} : { write_checkpoint: writeCheckpoint };
}

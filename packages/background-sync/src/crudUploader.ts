// Drains ps_crud to POST /api/powersync/upload: whole PowerSync transactions per request, within
// the op and byte limits (a single larger transaction goes alone). Applied and rejected ops both
// complete; rejected ones are first copied to local-only sync_rejections, so one bad row never
// blocks the queue. The server applies each op at most once (per-client watermark), so a kill at
// any point — even after the server applied and before the local complete — only causes a replay
// that the server answers with its recorded verdicts.
import type { UploadAnswer } from '@vhd/sync-contract';
import type { ApiClient, ApiFailure } from './apiClient';
import { toUploadOp, type UploadOp, utf8Length } from './crudPayload';
import type { CrudBatchLike, SyncDatabase } from './database';
import { classify, type Stop } from './failurePolicy';
import type { Clock, Connectivity, Logger } from './ports';
import { RunBudget } from './runBudget';
import type { SyncSettings } from './settings';

export const UPLOAD_PATH = '/api/powersync/upload';

/** Per-op JSON overhead beyond the ps_crud `data` text (op_id, tx_id, punctuation). */
const OP_OVERHEAD_BYTES = 48;

export type { UploadAnswer };

export interface CrudUploadResult {
  status: 'done' | 'stopped';
  stop?: Stop;
  requests: number;
  /** Ops the server applied / rejected (including replayed verdicts). */
  applied: number;
  rejected: number;
  transactions: number;
  /** Request body bytes sent. */
  bytes: number;
}

export interface CrudUploaderHooks {
  /** Test kill point: the server has answered (and committed) a request; nothing is completed locally yet. */
  afterServerApplied?: (answer: UploadAnswer) => void | Promise<void>;
}

export interface CrudUploaderDeps {
  db: SyncDatabase;
  api: ApiClient;
  connectivity: Connectivity;
  clock: Clock;
  logger: Logger;
  settings: Pick<SyncSettings, 'crudMaxOps' | 'crudMaxBytes' | 'crudServerMaxBytes' | 'requestTimeoutMs'>;
  hooks?: CrudUploaderHooks;
}

interface Plan {
  count: number;
  lastId: number;
  transactions: number;
  bytes: number;
}

interface CrudRow {
  id: number;
  tx_id: number | null;
  bytes: number;
}

export class CrudUploader {
  private clientId: string | null = null;
  /** The server's Retry-After, honoured by every later upload of this runtime (runs and the SDK's). */
  private notBefore = 0;
  private completedAt: number | undefined;

  constructor(private readonly deps: CrudUploaderDeps) {}

  /**
   * When a batch was last completed (removed from ps_crud), on the ports' clock. From then on the
   * SDK applies no downloaded checkpoint until one covers a write checkpoint taken after that upload,
   * so a checkpoint applied later includes our own changes as the server stored them.
   */
  get lastCompletedAt(): number | undefined {
    return this.completedAt;
  }

  /**
   * Uploads until ps_crud is empty or something stops it. Callers must hold the upload mutex.
   * `budget` (a run's) bounds each request by min(cap, remaining − margin) and keeps new requests
   * out of the safety margin; a budget without a deadline (the SDK's uploads, bounded by the
   * connector's session) gives each request the full cap; none at all, the uploader runs unaborted.
   */
  async upload({ budget = new RunBudget({}) }: { budget?: RunBudget } = {}): Promise<CrudUploadResult> {
    const { db, settings, logger } = this.deps;
    const result: CrudUploadResult = {
      status: 'done',
      requests: 0,
      applied: 0,
      rejected: 0,
      transactions: 0,
      bytes: 0,
    };
    const stop = (s: Stop): CrudUploadResult => ({ ...result, status: 'stopped', stop: s });
    this.clientId ??= await db.getClientId();
    const wait = this.notBefore - this.deps.clock.now();
    if (wait > 0) {
      return stop({
        cause: 'server_unavailable',
        reason: 'the server asked us to wait (Retry-After)',
        retryAfterMs: wait,
      });
    }
    let maxOps = settings.crudMaxOps;
    let maxBytes = settings.crudMaxBytes;

    for (;;) {
      const aborted = budget.stop();
      if (aborted) return stop(aborted);
      const timeoutMs = budget.requestTimeoutMs(settings.requestTimeoutMs);
      const plan = await this.plan(maxOps, maxBytes);
      if (!plan) return result;
      if (!budget.canStart() || timeoutMs <= 0) {
        return stop(
          budget.stop() ?? { cause: 'deadline', reason: 'no time left for another upload request' },
        );
      }

      const batch = await db.getCrudBatch(plan.count);
      const last = batch?.crud[batch.crud.length - 1];
      if (!batch || !last || last.clientId !== plan.lastId || batch.crud.length !== plan.count) {
        // Only a completion outside this uploader could cause this: it would be a wiring bug.
        throw new Error(
          `ps_crud changed under the uploader (planned up to ${plan.lastId}, got ${last?.clientId})`,
        );
      }

      const ops = batch.crud.map(toUploadOp);
      const body = JSON.stringify({ client_id: this.clientId, batch: ops });
      const bytes = utf8Length(body);
      result.requests++;
      result.bytes += bytes;
      const res = await this.deps.api.request<UploadAnswer>({
        method: 'POST',
        path: UPLOAD_PATH,
        body,
        budget,
        timeoutMs,
      });

      if (!res.ok) {
        if (isTooLarge(res.failure, bytes, settings.crudServerMaxBytes)) {
          if (plan.transactions > 1) {
            maxOps = Math.max(1, Math.floor(plan.count / 2));
            maxBytes = Math.max(1, Math.floor(plan.bytes / 2));
            logger.warn('crud upload: request too large, halving', {
              ops: plan.count,
              bytes,
              maxOps,
              maxBytes,
            });
            continue;
          }
          // One transaction the server will never take: keep it as a local rejection, unblock the queue.
          const rejected = ops.map((op) => ({
            op_id: op.op_id,
            code: 'too_large',
            message:
              res.failure.kind === 'http'
                ? res.failure.message
                : `${bytes} bytes is over the server's limit of ${settings.crudServerMaxBytes} (the request failed on the network)`,
          }));
          await this.finish(batch, ops, { applied: [], rejected });
          result.rejected += rejected.length;
          result.transactions += 1;
          continue;
        }
        const { stop: s } = await classify(res.failure, this.deps.connectivity);
        if (s.retryAfterMs !== undefined) this.notBefore = this.deps.clock.now() + s.retryAfterMs;
        logger.warn('crud upload stopped', {
          cause: s.cause,
          reason: s.reason,
          retryAfterMs: s.retryAfterMs,
        });
        return stop(s);
      }

      const answer = res.body;
      const problem = checkAnswer(answer, ops);
      if (problem) {
        logger.error('crud upload: server answer does not match the request', { problem });
        const malformed = await classify(
          { kind: 'malformed', message: `upload answer: ${problem}` },
          this.deps.connectivity,
        );
        return stop(malformed.stop);
      }
      await this.deps.hooks?.afterServerApplied?.(answer);
      await this.finish(batch, ops, answer);
      result.applied += answer.applied.length;
      result.rejected += answer.rejected.length;
      result.transactions += plan.transactions;
      logger.debug('crud upload: request done', {
        ops: ops.length,
        bytes,
        applied: answer.applied.length,
        rejected: answer.rejected.length,
      });
    }
  }

  /** The next request: whole transactions from the head of ps_crud within the limits. */
  private async plan(maxOps: number, maxBytes: number): Promise<Plan | null> {
    const limit = maxOps + 1;
    const rows = await this.deps.db.getAll<CrudRow>(
      'SELECT id, tx_id, length(CAST(data AS BLOB)) AS bytes FROM ps_crud ORDER BY id LIMIT ?',
      [limit],
    );
    const groups = groupTransactions(rows);
    const first = groups[0];
    if (!first) return null;
    let count = 0;
    let bytes = 0;
    let lastId = 0;
    let transactions = 0;
    for (const g of groups) {
      if (count + g.count > maxOps || bytes + g.bytes > maxBytes) break;
      count += g.count;
      bytes += g.bytes;
      lastId = g.lastId;
      transactions++;
    }
    if (transactions > 0) return { count, lastId, transactions, bytes };
    // The first transaction alone exceeds a limit: it goes alone, whole (it may extend past `limit`).
    if (first.txId === null || rows.length < limit || groups.length > 1) return { ...first, transactions: 1 };
    const whole = await this.deps.db.get<{ n: number; last: number; bytes: number }>(
      'SELECT count(*) AS n, max(id) AS last, sum(length(CAST(data AS BLOB))) AS bytes FROM ps_crud WHERE tx_id = ?',
      [first.txId],
    );
    return {
      count: whole.n,
      lastId: whole.last,
      transactions: 1,
      bytes: whole.bytes + whole.n * OP_OVERHEAD_BYTES,
    };
  }

  /** Copies rejections to sync_rejections (idempotent: a replay finds them there), then completes. */
  private async finish(batch: CrudBatchLike, ops: UploadOp[], answer: UploadAnswer): Promise<void> {
    if (answer.rejected.length > 0) {
      const byId = new Map(ops.map((op) => [op.op_id, op]));
      const now = this.deps.clock.now();
      await this.deps.db.writeTransaction(async (tx) => {
        for (const r of answer.rejected) {
          const op = byId.get(r.op_id);
          const id = `${this.clientId}:${r.op_id}`;
          await tx.execute(
            `INSERT INTO sync_rejections (id, op_id, tx_id, op, table_name, row_id, data, code, message, created_at)
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM sync_rejections WHERE id = ?)`,
            [
              id,
              r.op_id,
              op?.tx_id ?? null,
              op?.op ?? null,
              op?.type ?? null,
              op?.id ?? null,
              JSON.stringify({ data: op?.data, old: op?.old }),
              r.code,
              r.message,
              now,
              id,
            ],
          );
        }
      });
      this.deps.logger.warn('crud upload: ops rejected', {
        count: answer.rejected.length,
        codes: [...new Set(answer.rejected.map((r) => r.code))],
      });
    }
    await batch.complete();
    this.completedAt = this.deps.clock.now();
  }
}

interface TxGroup {
  txId: number | null;
  count: number;
  bytes: number;
  lastId: number;
}

/** Consecutive rows with the same tx_id form one transaction; a row without tx_id stands alone. */
function groupTransactions(rows: CrudRow[]): TxGroup[] {
  const groups: TxGroup[] = [];
  let current: TxGroup | undefined;
  for (const row of rows) {
    const size = row.bytes + OP_OVERHEAD_BYTES;
    if (current && row.tx_id !== null && current.txId === row.tx_id) {
      current.count++;
      current.bytes += size;
      current.lastId = row.id;
    } else {
      current = { txId: row.tx_id, count: 1, bytes: size, lastId: row.id };
      groups.push(current);
    }
  }
  return groups;
}

/**
 * A 413, or a network failure of a body over the server's limit: a server may refuse such a body and
 * close before reading it, and a client still writing then sees EPIPE/"fetch failed", not the 413.
 */
function isTooLarge(f: ApiFailure, bytes: number, serverMaxBytes: number): boolean {
  return (f.kind === 'http' && f.status === 413) || (f.kind === 'network' && bytes > serverMaxBytes);
}

/** Every op sent must be answered exactly once, as applied or rejected. */
function checkAnswer(answer: UploadAnswer, ops: UploadOp[]): string | null {
  if (!answer || !Array.isArray(answer.applied) || !Array.isArray(answer.rejected))
    return 'missing applied/rejected';
  const sent = new Set(ops.map((o) => o.op_id));
  const seen = new Set<number>();
  for (const id of [...answer.applied, ...answer.rejected.map((r) => r.op_id)]) {
    if (!sent.has(id)) return `op ${id} was not sent`;
    if (seen.has(id)) return `op ${id} answered twice`;
    seen.add(id);
  }
  if (seen.size !== sent.size) return `${sent.size - seen.size} ops unanswered`;
  return null;
}

// BASELINE — the CRUD upload as first planned, kept only to be measured against: the next
// PowerSync transaction (`getNextCrudTransaction`), one request for it, complete it, repeat.
// The wire format is the engine's (the server's contract is the same); only the strategy differs.
import {
  type ApiClient,
  type CrudTransactionLike,
  RunBudget,
  toUploadOp,
  UPLOAD_PATH,
  type UploadAnswer,
} from '@vhd/background-sync';

export interface BaselineCrudDatabase {
  getNextCrudTransaction(): Promise<CrudTransactionLike | null>;
  getClientId(): Promise<string>;
}

export interface BaselineCrudCounts {
  requests: number;
  applied: number;
  rejected: number;
}

export type BaselineStepEnd = { status: 'done' | 'window' } | { status: 'failed'; reason: string };

export async function baselineCrudUpload(opts: {
  db: BaselineCrudDatabase;
  api: ApiClient;
  counts: BaselineCrudCounts;
  /** No new transaction starts at or after this `performance.now()` instant. */
  until?: number;
  signal: AbortSignal;
}): Promise<BaselineStepEnd> {
  const clientId = await opts.db.getClientId();
  const budget = new RunBudget({ signal: opts.signal });
  for (;;) {
    if (opts.until !== undefined && performance.now() >= opts.until) return { status: 'window' };
    const tx = await opts.db.getNextCrudTransaction();
    if (!tx) return { status: 'done' };
    opts.counts.requests++;
    const res = await opts.api.post<UploadAnswer>(
      UPLOAD_PATH,
      { client_id: clientId, batch: tx.crud.map(toUploadOp) },
      { budget, timeoutMs: 30_000 },
    );
    if (!res.ok) {
      const f = res.failure;
      return { status: 'failed', reason: f.kind === 'aborted' ? f.reason.message : JSON.stringify(f) };
    }
    opts.counts.applied += res.body.applied.length;
    opts.counts.rejected += res.body.rejected.length;
    await tx.complete();
  }
}

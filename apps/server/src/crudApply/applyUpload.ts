import type { UploadAnswer } from '@vhd/sync-contract';
import type { FastifyBaseLogger } from 'fastify';
import type { ApiAuth } from '../auth/authenticate';
import { isDataError, sqlState } from '../db/sqlstate';
import type { Db, Tx } from '../db/types';
import { faultPoint } from '../faultPoints';
import { dataErrorDetail, dataErrorRejection } from './dataErrors';
import { applied, type RawOp, type Rejection, rejected, type ValidOp, type Verdict } from './ops';
import type { PhotoConfirmationVerifier } from './photoConfirmations';
import { planBatch, rejectTransaction, type TxGroup } from './plan';
import { settle } from './settle';
import { loadStoredRows } from './storedRows';
import { validateOp } from './validate';
import { lockWatermark, recordedVerdicts } from './verdictStore';
import { applyChanges, PlanDrift } from './writeRows';

interface Context {
  auth: ApiAuth;
  verifier: PhotoConfirmationVerifier;
  log: FastifyBaseLogger;
}

/** Validation and upload confirmation of one op. */
async function judge(raw: RawOp, ctx: Context): Promise<{ op: ValidOp } | { rejection: Rejection }> {
  const result = validateOp(raw, ctx.auth.orgId);
  if (!('op' in result) || !result.op.confirmation) return result;
  const { op } = result;
  const { publicId, version, signature } = op.confirmation!;
  const answer = await ctx.verifier.verify({
    orgId: ctx.auth.orgId,
    photoId: op.id,
    publicId,
    version,
    signature,
  });
  if (!answer.ok) return { rejection: { code: answer.code, message: answer.message } };
  Object.assign(op.values, {
    cloudinary_public_id: publicId,
    cloudinary_version: version,
    cloudinary_url: answer.cloudinaryUrl,
  });
  return { op };
}

/** Groups ops by tx_id (an op without one is its own transaction), in order of their first op. */
function groupTransactions<T extends { opId: number; txId: number | null }>(
  items: T[],
): { txId: number | null; ops: T[] }[] {
  const groups: { txId: number | null; ops: T[] }[] = [];
  const byTx = new Map<number, { txId: number | null; ops: T[] }>();
  for (const item of items) {
    const known = item.txId === null ? undefined : byTx.get(item.txId);
    if (known) {
      known.ops.push(item);
      continue;
    }
    const group = { txId: item.txId, ops: [item] };
    groups.push(group);
    if (item.txId !== null) byTx.set(item.txId, group);
  }
  return groups;
}

/**
 * The set-based apply failed on the data: the upload runs again in a new transaction, bisecting.
 * (No savepoint on the usual path: two round trips fewer per batch.)
 */
class SetBasedFailed extends Error {}

type ApplyMode = 'set-based' | 'bisect';

/** A failure of the data (not the server): a data error, or a plan the database did not follow. */
const isDataFailure = (err: unknown) => isDataError(err) || err instanceof PlanDrift;

/** Thrown to roll back a savepoint that only tried something. */
const TRIED = Symbol('tried');

/**
 * Plans the transactions against the rows as they are now and applies them set-based in a savepoint
 * (a fixed number of statements, whatever the number of ops). Throws when the apply fails.
 */
async function applyPlanned(
  tx: Tx,
  groups: readonly TxGroup[],
  orgId: string,
  inSavepoint = true,
): Promise<Verdict[]> {
  const ops = groups.flatMap((g) => g.ops);
  const plan = planBatch([...groups], await loadStoredRows(tx, ops), orgId);
  if (inSavepoint) await tx.savepoint(() => applyChanges(tx, plan.changes, orgId));
  else await applyChanges(tx, plan.changes, orgId);
  const refused = new Set(plan.rejections.map((v) => v.opId));
  return [...plan.rejections, ...ops.filter((op) => !refused.has(op.opId)).map(applied)];
}

/** The data failure of applying the transaction's first `count` ops, or null; rolled back either way. */
async function tryPrefix(tx: Tx, group: TxGroup, count: number, orgId: string): Promise<unknown> {
  try {
    await tx.savepoint(async () => {
      await applyPlanned(tx, [{ txId: group.txId, ops: group.ops.slice(0, count) }], orgId);
      throw TRIED;
    });
  } catch (err) {
    if (err === TRIED) return null;
    if (isDataFailure(err)) return err;
    throw err;
  }
  return null;
}

/**
 * Why `op` (the first op whose prefix fails) cannot apply after the `count` ops before it did: the
 * planner's answer against the rows as they then are (e.g. `not_found` after a cascade), else ours.
 */
async function diagnose(tx: Tx, group: TxGroup, count: number, op: ValidOp, orgId: string) {
  let refusal: Rejection | null = null;
  try {
    await tx.savepoint(async () => {
      await applyPlanned(tx, [{ txId: group.txId, ops: group.ops.slice(0, count) }], orgId);
      const plan = planBatch([{ txId: group.txId, ops: [op] }], await loadStoredRows(tx, [op]), orgId);
      const verdict = plan.rejections[0];
      if (verdict && !verdict.ok) refusal = verdict.rejection;
      throw TRIED;
    });
  } catch (err) {
    if (err !== TRIED && !isDataFailure(err)) throw err;
  }
  return (
    refusal ?? {
      code: 'conflict' as const,
      message: `${op.table} ${op.id} changed while the batch was applied; retry`,
    }
  );
}

/**
 * One transaction whose apply fails: finds the op at fault by bisecting its prefixes (O(log n)
 * applies, each rolled back) and rejects the transaction naming it.
 */
async function rejectFailedTransaction(
  tx: Tx,
  group: TxGroup,
  failure: unknown,
  ctx: Context,
): Promise<Verdict[]> {
  const orgId = ctx.auth.orgId;
  // Invariant: the first `good` ops apply, the first `bad` ops do not (failing with `cause`).
  let good = 0;
  let bad = group.ops.length;
  let cause = failure;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    const err = await tryPrefix(tx, group, middle, orgId);
    if (err === null) good = middle;
    else [bad, cause] = [middle, err];
  }
  const op = group.ops[bad - 1]!;
  let rejection: Rejection;
  if (isDataError(cause)) {
    rejection = dataErrorRejection(cause);
    ctx.log.info({ opId: op.opId, ...dataErrorDetail(cause) }, 'op rejected by the database');
  } else {
    rejection = await diagnose(tx, group, good, op, orgId);
  }
  return rejectTransaction(group, op, rejection);
}

/**
 * Applies transactions set-based; when the data makes that fail, bisects them: each half is planned
 * against what the transactions before it really did, so one bad transaction among n costs O(log n)
 * set-based applies instead of a savepoint per op.
 */
async function applyBisecting(tx: Tx, groups: readonly TxGroup[], ctx: Context): Promise<Verdict[]> {
  try {
    return await applyPlanned(tx, groups, ctx.auth.orgId);
  } catch (err) {
    if (!isDataFailure(err)) throw err;
    if (groups.length === 1) return rejectFailedTransaction(tx, groups[0]!, err, ctx);
    const half = Math.ceil(groups.length / 2);
    return [
      ...(await applyBisecting(tx, groups.slice(0, half), ctx)),
      ...(await applyBisecting(tx, groups.slice(half), ctx)),
    ];
  }
}

/** New ops (above the watermark): validated, planned, applied set-based; verdict per op. */
async function applyNewOps(tx: Tx, ops: RawOp[], ctx: Context, mode: ApplyMode): Promise<Verdict[]> {
  const judged = await Promise.all(
    ops.map(async (raw) => ({ raw, txId: validTxId(raw), opId: raw.op_id, result: await judge(raw, ctx) })),
  );
  const verdicts: Verdict[] = [];
  const accepted: TxGroup[] = [];
  for (const group of groupTransactions(judged)) {
    const bad = group.ops.find((j) => 'rejection' in j.result);
    if (bad && 'rejection' in bad.result)
      verdicts.push(...rejectTransaction(group, bad, bad.result.rejection));
    else accepted.push({ txId: group.txId, ops: group.ops.map((j) => (j.result as { op: ValidOp }).op) });
  }
  if (accepted.length === 0) return verdicts;
  if (mode === 'bisect') return [...verdicts, ...(await applyBisecting(tx, accepted, ctx))];
  try {
    return [...verdicts, ...(await applyPlanned(tx, accepted, ctx.auth.orgId, false))];
  } catch (err) {
    if (!isDataFailure(err)) throw err;
    throw new SetBasedFailed((err as Error).message, { cause: err });
  }
}

const validTxId = (raw: RawOp) => (Number.isSafeInteger(raw.tx_id) ? (raw.tx_id as number) : null);

function neverSeen(raw: RawOp, watermark: number): Verdict {
  return rejected(
    { opId: raw.op_id, txId: validTxId(raw) },
    {
      code: 'invalid',
      message: `op_id ${raw.op_id} is at or below this client's watermark ${watermark} but was never received`,
    },
  );
}

/**
 * One CRUD upload, in one database transaction: BEGIN, watermark, (recorded verdicts of replayed
 * ops,) stored rows, (deletes,) writes, settle, COMMIT. Retried when Postgres reports a deadlock, and
 * once, bisecting, when the set-based apply fails on the data.
 */
export async function processUpload(
  db: Db,
  body: { client_id: string; batch: readonly { op_id: number }[] },
  ctx: Context,
): Promise<UploadAnswer> {
  const ops = [...(body.batch as RawOp[])].sort((a, b) => a.op_id - b.op_id);
  let mode: ApplyMode = 'set-based';
  for (let attempt = 1; ; attempt++) {
    try {
      const verdicts = await db.transaction(async (tx) => {
        const watermark = await lockWatermark(tx, body.client_id, ctx.auth.userId, ctx.auth.orgId);
        const seen = watermark === null ? [] : ops.filter((op) => op.op_id <= watermark);
        const fresh = watermark === null ? ops : ops.filter((op) => op.op_id > watermark);
        const replayed: Verdict[] = [];
        if (seen.length > 0 && watermark !== null) {
          const recorded = await recordedVerdicts(
            tx,
            body.client_id,
            seen.map((op) => op.op_id),
          );
          for (const raw of seen) replayed.push(recorded.get(raw.op_id) ?? neverSeen(raw, watermark));
        }
        const decided = await applyNewOps(tx, fresh, ctx, mode);
        const batch = { clientId: body.client_id, orgId: ctx.auth.orgId, firstOpId: ops[0]?.op_id ?? 0 };
        await settle(tx, batch, decided);
        faultPoint('upload.beforeCommit');
        return [...replayed, ...decided];
      });
      return toResponse(verdicts);
    } catch (err) {
      if (err instanceof SetBasedFailed && mode === 'set-based') {
        ctx.log.info({ reason: err.message }, 'set-based apply failed; bisecting in a new transaction');
        mode = 'bisect';
        attempt--;
        continue;
      }
      const state = sqlState(err);
      if (attempt < 3 && (state === '40P01' || state === '40001')) continue;
      throw err;
    }
  }
}

function toResponse(verdicts: Verdict[]): UploadAnswer {
  const sorted = [...verdicts].sort((a, b) => a.opId - b.opId);
  return {
    applied: sorted.filter((v) => v.ok).map((v) => v.opId),
    rejected: sorted.flatMap((v) =>
      v.ok ? [] : [{ op_id: v.opId, code: v.rejection.code, message: v.rejection.message }],
    ),
  };
}

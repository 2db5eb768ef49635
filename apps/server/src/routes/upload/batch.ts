import type { FastifyBaseLogger } from 'fastify';
import type { ApiAuth } from '../../auth/authenticate';
import { isDataError, sqlState } from '../../db/sqlstate';
import type { Db, Tx } from '../../db/types';
import { applyChanges, PlanDrift } from './apply';
import type { UploadBody, UploadResponse } from './envelope';
import { applied, type RawOp, type Rejection, rejected, type ValidOp, type Verdict } from './ops';
import type { PhotoConfirmationVerifier } from './photoConfirmations';
import { planBatch, rejectTransaction, type TxGroup } from './plan';
import { loadStoredRows } from './storedRows';
import { validateOp } from './validate';
import { forgetVerdictsBelow, lockWatermark, recordedVerdicts, recordVerdicts } from './verdictStore';

interface Context {
  auth: ApiAuth;
  verifier: PhotoConfirmationVerifier;
  log: FastifyBaseLogger;
}

/** An op that failed while applying a transaction op by op. */
class OpFailed extends Error {
  constructor(
    readonly op: ValidOp,
    readonly rejection: Rejection,
  ) {
    super(rejection.message);
  }
}

const dataErrorMessage = (err: unknown) => {
  const e = err as { message?: string; detail?: string };
  return [e.message, e.detail].filter(Boolean).join(': ');
};

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

/** Re-applies each transaction on its own, op by op, so a data error rejects only its transaction. */
async function applyOneByOne(tx: Tx, groups: TxGroup[], orgId: string): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const group of groups) {
    try {
      await tx.savepoint(async () => {
        for (const op of group.ops) {
          const { rejections, changes } = planBatch(
            [{ txId: group.txId, ops: [op] }],
            await loadStoredRows(tx, [op]),
            orgId,
          );
          const refusal = rejections[0];
          if (refusal && !refusal.ok) throw new OpFailed(op, refusal.rejection);
          try {
            await applyChanges(tx, changes, orgId);
          } catch (err) {
            if (isDataError(err))
              throw new OpFailed(op, { code: 'constraint', message: dataErrorMessage(err) });
            throw err;
          }
        }
      });
      verdicts.push(...group.ops.map(applied));
    } catch (err) {
      if (!(err instanceof OpFailed)) throw err;
      verdicts.push(...rejectTransaction(group, err.op, err.rejection));
    }
  }
  return verdicts;
}

/** New ops (above the watermark): validated, planned, applied set-based; verdict per op. */
async function applyNewOps(tx: Tx, ops: RawOp[], ctx: Context): Promise<Verdict[]> {
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

  const orgId = ctx.auth.orgId;
  const stored = await loadStoredRows(
    tx,
    accepted.flatMap((g) => g.ops),
  );
  const plan = planBatch(accepted, stored, orgId);
  const refused = new Set(plan.rejections.map((v) => v.opId));
  try {
    await tx.savepoint(() => applyChanges(tx, plan.changes, orgId));
  } catch (err) {
    if (!isDataError(err) && !(err instanceof PlanDrift)) throw err;
    ctx.log.info(
      { reason: (err as Error).message },
      'set-based apply failed; re-applying transaction by transaction',
    );
    // Each transaction is judged again against what the ones before it really did.
    return [...verdicts, ...(await applyOneByOne(tx, accepted, orgId))];
  }
  const appliedOps = accepted.flatMap((g) => g.ops).filter((op) => !refused.has(op.opId));
  return [...verdicts, ...plan.rejections, ...appliedOps.map(applied)];
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

/** One CRUD upload, in one database transaction (retried when Postgres reports a deadlock). */
export async function processUpload(db: Db, body: UploadBody, ctx: Context): Promise<UploadResponse> {
  const ops = [...(body.batch as RawOp[])].sort((a, b) => a.op_id - b.op_id);
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
        const oldest = ops[0];
        if (watermark !== null && oldest) await forgetVerdictsBelow(tx, body.client_id, oldest.op_id);
        const decided = await applyNewOps(tx, fresh, ctx);
        await recordVerdicts(tx, body.client_id, ctx.auth.orgId, decided);
        return [...replayed, ...decided];
      });
      return toResponse(verdicts);
    } catch (err) {
      const state = sqlState(err);
      if (attempt < 3 && (state === '40P01' || state === '40001')) continue;
      throw err;
    }
  }
}

function toResponse(verdicts: Verdict[]): UploadResponse {
  const sorted = [...verdicts].sort((a, b) => a.opId - b.opId);
  return {
    applied: sorted.filter((v) => v.ok).map((v) => v.opId),
    rejected: sorted.flatMap((v) =>
      v.ok ? [] : [{ op_id: v.opId, code: v.rejection.code, message: v.rejection.message }],
    ),
  };
}

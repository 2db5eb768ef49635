import type { Tx } from '../../db/types';
import { HttpError } from '../../errors';
import type { RejectCode, Verdict } from './ops';

/**
 * Locks the client's watermark row (creating it on first contact) and returns the highest op_id
 * already applied, or null. Concurrent uploads from one client queue here. A client id is bound to
 * the user who first used it.
 */
export async function lockWatermark(
  tx: Tx,
  clientId: string,
  userId: string,
  orgId: string,
): Promise<number | null> {
  const { rows } = await tx.query<{ user_id: string; last_op_id: number | null }>(
    `INSERT INTO client_watermarks (client_id, user_id, org_id) VALUES ($1, $2, $3)
     ON CONFLICT (client_id) DO UPDATE SET client_id = EXCLUDED.client_id
     RETURNING user_id, last_op_id`,
    [clientId, userId, orgId],
  );
  const row = rows[0];
  if (!row) throw new Error('client watermark upsert returned no row');
  if (row.user_id !== userId) throw new HttpError(403, 'forbidden', 'This client_id belongs to another user');
  return row.last_op_id;
}

/** Verdicts recorded for ops at or below the watermark, repeated as they were given. */
export async function recordedVerdicts(
  tx: Tx,
  clientId: string,
  opIds: readonly number[],
): Promise<Map<number, Verdict>> {
  const { rows } = await tx.query<{
    op_id: number;
    tx_id: number | null;
    verdict: 'applied' | 'rejected';
    code: RejectCode | null;
    message: string | null;
  }>(
    'SELECT op_id, tx_id, verdict, code, message FROM op_verdicts WHERE client_id = $1 AND op_id = ANY($2::int8[])',
    [clientId, opIds],
  );
  return new Map(
    rows.map((r) => [
      r.op_id,
      r.verdict === 'applied'
        ? { opId: r.op_id, txId: r.tx_id, ok: true }
        : {
            opId: r.op_id,
            txId: r.tx_id,
            ok: false,
            rejection: { code: r.code ?? 'invalid', message: r.message ?? '' },
          },
    ]),
  );
}

/** Records the batch's new verdicts and advances the watermark: two statements for any batch size. */
export async function recordVerdicts(tx: Tx, clientId: string, orgId: string, verdicts: readonly Verdict[]) {
  if (verdicts.length === 0) return;
  await tx.query(
    `INSERT INTO op_verdicts (client_id, op_id, tx_id, verdict, code, message)
     SELECT $1, * FROM unnest($2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[])`,
    [
      clientId,
      verdicts.map((v) => v.opId),
      verdicts.map((v) => v.txId),
      verdicts.map((v) => (v.ok ? 'applied' : 'rejected')),
      verdicts.map((v) => (v.ok ? null : v.rejection.code)),
      verdicts.map((v) => (v.ok ? null : v.rejection.message)),
    ],
  );
  await tx.query(
    `UPDATE client_watermarks SET last_op_id = GREATEST(last_op_id, $2), org_id = $3, updated_at = now()
     WHERE client_id = $1`,
    [clientId, Math.max(...verdicts.map((v) => v.opId)), orgId],
  );
}

/**
 * A client sends its oldest pending op first, so verdicts below the batch's first op_id can never be
 * asked for again. They are still kept for a retention period as the audit log that proves each
 * (client, op) was applied once (the crash trials read it); only older ones are dropped.
 */
export async function forgetVerdictsBelow(tx: Tx, clientId: string, opId: number) {
  await tx.query(
    `DELETE FROM op_verdicts WHERE client_id = $1 AND op_id < $2
     AND applied_at < now() - make_interval(days => $3)`,
    [clientId, opId, VERDICT_RETENTION_DAYS],
  );
}

/** How long settled verdicts stay in the audit log. */
export const VERDICT_RETENTION_DAYS = 30;

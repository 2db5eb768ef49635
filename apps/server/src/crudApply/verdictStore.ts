import type { Tx } from '../db/types';
import { HttpError } from '../errors';
import type { RejectCode, Verdict } from './ops';
import type { Param } from './statement';

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

/** The INSERT recording the batch's new verdicts, as one sub-statement of the upload's last statement. */
export function insertVerdicts(p: Param, clientId: string, verdicts: readonly Verdict[]): string {
  return `INSERT INTO op_verdicts (client_id, op_id, tx_id, verdict, code, message)
    SELECT ${p(clientId)}, * FROM unnest(${p(verdicts.map((v) => v.opId))}::int8[], ${p(verdicts.map((v) => v.txId))}::int8[],
      ${p(verdicts.map((v) => (v.ok ? 'applied' : 'rejected')))}::text[], ${p(verdicts.map((v) => (v.ok ? null : v.rejection.code)))}::text[],
      ${p(verdicts.map((v) => (v.ok ? null : v.rejection.message)))}::text[])`;
}

/**
 * The UPDATE advancing the watermark past the batch. A client sends its oldest pending op first, so
 * its verdicts below the batch's first op are settled (never asked for again): the retention job
 * may drop those once they are old.
 */
export function advanceWatermark(
  p: Param,
  clientId: string,
  orgId: string,
  lastOpId: number,
  firstOpId: number,
): string {
  return `UPDATE client_watermarks SET last_op_id = GREATEST(last_op_id, ${p(lastOpId)}::int8),
      settled_below = GREATEST(settled_below, ${p(firstOpId)}::int8), org_id = ${p(orgId)}, updated_at = now()
    WHERE client_id = ${p(clientId)}`;
}

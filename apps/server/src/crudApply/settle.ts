import type { Tx } from '../db/types';
import { numberNewInvoices } from './invoiceNumbers';
import type { Verdict } from './ops';
import { parameters } from './statement';
import { advanceWatermark, insertVerdicts } from './verdictStore';

/**
 * The upload's last statement before COMMIT, one round trip: the new verdicts recorded, the
 * watermark advanced, and the organization's new invoices numbered — so the organization's row lock
 * is held only from here to COMMIT.
 */
export async function settle(
  tx: Tx,
  batch: { clientId: string; orgId: string; firstOpId: number },
  verdicts: readonly Verdict[],
) {
  if (verdicts.length === 0) return;
  const { clientId, orgId, firstOpId } = batch;
  const lastOpId = Math.max(...verdicts.map((v) => v.opId));
  const { p, values } = parameters();
  const parts = [
    `verdicts AS (${insertVerdicts(p, clientId, verdicts)})`,
    // Settled below the batch's first op, replayed ones included: those the client may send again.
    `watermark AS (${advanceWatermark(p, clientId, orgId, lastOpId, firstOpId)})`,
    ...numberNewInvoices(p, orgId),
  ];
  await tx.query(`WITH ${parts.join(',\n')} SELECT 1`, values);
}

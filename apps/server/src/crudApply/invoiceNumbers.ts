import type { Param } from './statement';

/**
 * Invoice numbers are gapless and unique per organization (an office expects that), so they come
 * from the organization's counter row (`invoice_counters`, not the organization's own row, which
 * every foreign-key check locks), whose lock orders concurrent uploads. To hold that lock as briefly as
 * possible, a new invoice is inserted with a placeholder (a unique negative number) and numbered by
 * the upload's last statement, just before COMMIT: batches of one organization then run in parallel
 * up to that statement. The counter row is made by an organization's first numbered invoice.
 */
export const PLACEHOLDER_NUMBER = "-nextval('invoice_number_placeholders')";

/**
 * Sub-statements (WITH items) numbering the organization's placeholder rows — this transaction's
 * own, since no committed row ever has one — in the order they were inserted. The counter row is
 * locked only when there is something to number.
 */
export function numberNewInvoices(p: Param, orgId: string): string[] {
  const org = p(orgId);
  return [
    `fresh_invoices AS (
      SELECT id, row_number() OVER (ORDER BY number DESC) AS k, count(*) OVER () AS n
      FROM invoices WHERE org_id = ${org} AND number < 0)`,
    `taken_numbers AS (
      INSERT INTO invoice_counters AS c (org_id, last_number)
      SELECT ${org}, count(*) FROM fresh_invoices HAVING count(*) > 0
      ON CONFLICT (org_id) DO UPDATE SET last_number = c.last_number + EXCLUDED.last_number
      RETURNING last_number AS last)`,
    `numbered_invoices AS (
      UPDATE invoices AS i SET number = taken_numbers.last - f.n + f.k
      FROM fresh_invoices AS f, taken_numbers WHERE i.id = f.id
      RETURNING i.id)`,
  ];
}

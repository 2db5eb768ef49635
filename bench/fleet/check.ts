// After a run: every row the phones were told was applied is in the database with the values their
// ops left, no other row exists in the run's organizations, every op has exactly one verdict and the
// watermark is the last op, and each organization's invoice numbers are 1..n without a gap.
import type { Db } from '@vhd/server';
import type { Phone, Table } from './phone';

export interface RowCheck {
  rows: number;
  /** Expected rows missing, or with other values than the confirmed ops left. */
  lost: number;
  /** Rows in the run's organizations that no confirmed op created. */
  extra: number;
  /** Clients whose verdicts or watermark do not match the ops confirmed exactly once. */
  clientsOff: number;
  /** Organizations whose invoice numbers are not exactly 1..n. */
  numberingOff: number;
  problems: string[];
}

const COLUMNS: Record<Table, string[]> = {
  schedules: ['customer', 'address', 'scheduled_at', 'status', 'notes'],
  invoices: ['schedule_id', 'amount_cents', 'status', 'issued_at'],
  photos: ['schedule_id', 'kind', 'taken_at', 'bytes', 'width', 'height'],
};

export async function checkRows(db: Db, phones: readonly Phone[]): Promise<RowCheck> {
  const problems: string[] = [];
  const note = (line: string) => {
    if (problems.length < 20) problems.push(line);
  };
  const orgs = [...new Set(phones.map((p) => p.orgId))];
  const expected = new Map(phones.flatMap((p) => [...p.expected]));
  let lost = 0;
  let extra = 0;
  let rows = 0;
  for (const table of Object.keys(COLUMNS) as Table[]) {
    const { rows: stored } = await db.query<Record<string, unknown> & { id: string; org_id: string }>(
      `SELECT id, org_id, ${COLUMNS[table].join(', ')} FROM ${table} WHERE org_id = ANY($1::text[])`,
      [orgs],
    );
    rows += stored.length;
    const seen = new Set<string>();
    for (const row of stored) {
      const key = `${table}:${row.id}`;
      const want = expected.get(key);
      if (!want) {
        extra++;
        note(`${key}: not created by any confirmed op`);
        continue;
      }
      seen.add(key);
      const differs =
        Object.entries(want.values).find(([c, v]) => row[c] !== v) ??
        (row.org_id !== want.orgId ? ['org_id', want.orgId] : undefined);
      if (differs) {
        lost++;
        note(
          `${key}: ${differs[0]} is ${JSON.stringify(row[differs[0]])}, expected ${JSON.stringify(differs[1])}`,
        );
      }
    }
    for (const [key, want] of expected) {
      if (want.table === table && !seen.has(key)) {
        lost++;
        note(`${key}: missing`);
      }
    }
  }

  const { rows: verdicts } = await db.query<{
    client_id: string;
    n: number;
    distinct_ops: number;
    applied: number;
    max_op: number;
    last_op_id: number | null;
  }>(
    `SELECT w.client_id, w.last_op_id, count(v.op_id)::int AS n, count(DISTINCT v.op_id)::int AS distinct_ops,
            (count(*) FILTER (WHERE v.verdict = 'applied'))::int AS applied, max(v.op_id) AS max_op
     FROM client_watermarks w LEFT JOIN op_verdicts v ON v.client_id = w.client_id
     WHERE w.client_id = ANY($1::text[]) GROUP BY w.client_id, w.last_op_id`,
    [phones.map((p) => p.clientId)],
  );
  const byClient = new Map(verdicts.map((v) => [v.client_id, v]));
  let clientsOff = 0;
  for (const phone of phones) {
    const v = byClient.get(phone.clientId);
    const ok =
      phone.confirmedOps === 0
        ? !v || v.n === 0
        : v?.n === phone.confirmedOps &&
          v.distinct_ops === phone.confirmedOps &&
          v.applied === phone.confirmedOps &&
          v.last_op_id === phone.lastConfirmedOp;
    if (!ok) {
      clientsOff++;
      note(
        `client ${phone.clientId}: ${JSON.stringify(v)} for ${phone.confirmedOps} ops up to ${phone.lastConfirmedOp}`,
      );
    }
  }

  const { rows: numbering } = await db.query<{
    org_id: string;
    n: number;
    distinct_numbers: number;
    min: number;
    max: number;
  }>(
    `SELECT org_id, count(*)::int AS n, count(DISTINCT number)::int AS distinct_numbers, min(number) AS min, max(number) AS max
     FROM invoices WHERE org_id = ANY($1::text[]) GROUP BY org_id`,
    [orgs],
  );
  let numberingOff = 0;
  for (const o of numbering) {
    if (o.n !== o.distinct_numbers || o.min !== 1 || o.max !== o.n) {
      numberingOff++;
      note(`${o.org_id}: ${o.n} invoices numbered ${o.min}..${o.max} (${o.distinct_numbers} distinct)`);
    }
  }
  return { rows, lost, extra, clientsOff, numberingOff, problems };
}

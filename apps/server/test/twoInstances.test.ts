import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { newOrg, OpLog, row, uploadOk, uuid } from './support/http';

// Two server instances on one database, as behind a load balancer: nothing a request relies on may
// live only in one process's memory.
describe.each(testBackends())('two server instances on one %s database', (backend) => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ backend });
    b = await startTestServer({ peerOf: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const verdicts = async (clientId: string) =>
    (
      await a.db.query<{ n: number; distinct_ops: number }>(
        'SELECT count(*)::int AS n, count(DISTINCT op_id)::int AS distinct_ops FROM op_verdicts WHERE client_id = $1',
        [clientId],
      )
    ).rows[0];

  it('applies a retry that lands on the other instance exactly once, answering it as the first time', async () => {
    const { orgId, token } = await newOrg(a);
    const log = new OpLog();
    const s = uuid();
    const batch = [
      log.put('schedules', s, { customer: 'Diner', status: 'scheduled' }),
      log.put('invoices', uuid(), { schedule_id: s, amount_cents: 100 }),
      log.patch('schedules', s, { notes: 'first visit' }),
    ];
    const first = await uploadOk(a, token, log.clientId, batch);
    expect(first).toEqual({ applied: [1, 2, 3], rejected: [] });
    // The answer was lost; the phone's retry reaches instance B.
    expect(await uploadOk(b, token, log.clientId, batch)).toEqual(first);
    expect(await verdicts(log.clientId)).toEqual({ n: 3, distinct_ops: 3 });
    expect(await row(a, 'schedules', s)).toMatchObject({ notes: 'first visit' });
    const { rows } = await a.db.query('SELECT number FROM invoices WHERE org_id = $1', [orgId]);
    expect(rows).toEqual([{ number: 1 }]);
  });

  it('applies the same batch sent to both instances at once exactly once', async () => {
    const { orgId, token } = await newOrg(a);
    const log = new OpLog();
    const batch = Array.from({ length: 30 }, () => log.put('invoices', uuid(), { amount_cents: 7 }));
    const [viaA, viaB] = await Promise.all([
      uploadOk(a, token, log.clientId, batch),
      uploadOk(b, token, log.clientId, batch),
    ]);
    expect(viaA).toEqual(viaB);
    expect(viaA.applied).toHaveLength(30);
    expect(await verdicts(log.clientId)).toEqual({ n: 30, distinct_ops: 30 });
    const { rows } = await a.db.query(
      'SELECT count(*)::int AS n, min(number) AS min, max(number) AS max FROM invoices WHERE org_id = $1',
      [orgId],
    );
    expect(rows[0]).toEqual({ n: 30, min: 1, max: 30 });
  });

  it('numbers invoices gaplessly across instances; a user and an organization first seen on either work on both', async () => {
    const { orgId } = await newOrg(a);
    const phones = await Promise.all(
      Array.from({ length: 6 }, async () => ({ log: new OpLog(), token: await b.mintToken({ orgId }) })),
    );
    const answers = (
      await Promise.all(
        phones.map(async ({ log, token }, i) => {
          const mine = [];
          // A phone's batches go one after the other, alternating instances.
          for (const round of [0, 1]) {
            const batch = Array.from({ length: 10 }, () => log.put('invoices', uuid(), { amount_cents: i }));
            mine.push(await uploadOk((i + round) % 2 === 0 ? a : b, token, log.clientId, batch));
          }
          return mine;
        }),
      )
    ).flat();
    for (const answer of answers) expect(answer.rejected).toEqual([]);
    const { rows } = await b.db.query(
      `SELECT count(*)::int AS n, count(DISTINCT number)::int AS distinct_numbers, min(number) AS min, max(number) AS max
       FROM invoices WHERE org_id = $1`,
      [orgId],
    );
    expect(rows[0]).toEqual({ n: 120, distinct_numbers: 120, min: 1, max: 120 });
    const counter = await a.db.query('SELECT last_number FROM invoice_counters WHERE org_id = $1', [orgId]);
    expect(counter.rows).toEqual([{ last_number: 120 }]);
  });
});

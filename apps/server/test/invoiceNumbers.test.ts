import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { newOrg, OpLog, uploadOk, uuid } from './support/http';

describe.each(testBackends())('invoice numbers on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server?.close());

  it("locks the organization's counter only in the upload's last statement, right before COMMIT, and never updates the organization's row", async () => {
    const { token } = await newOrg(server);
    const log = new OpLog();
    // First contact records the organization (outside the upload's transaction).
    await uploadOk(server, token, log.clientId, [log.put('schedules', uuid(), {})]);
    const s = uuid();
    const statements: string[] = [];
    const stop = server.db.onStatement((sql) => statements.push(sql.trim()));
    try {
      await uploadOk(server, token, log.clientId, [
        log.put('schedules', s, { customer: 'Diner' }),
        log.put('invoices', uuid(), { schedule_id: s, amount_cents: 100 }),
        log.patch('schedules', s, { notes: 'done' }),
      ]);
    } finally {
      stop();
    }
    const locking = statements.flatMap((sql, i) => (/invoice_counters/i.test(sql) ? [i] : []));
    expect(locking).toHaveLength(1);
    expect(statements[locking[0]! + 1]).toBe('COMMIT');
    // Every foreign-key check holds a KEY SHARE lock on the organization's row: updating that row
    // under many open uploads makes Postgres build MultiXacts of them all.
    expect(statements.filter((sql) => /UPDATE\s+organizations/i.test(sql))).toEqual([]);
  });

  it('keeps numbers gapless, unique and in op order under concurrent batches, also when a batch falls back to op by op', async () => {
    const { orgId } = await newOrg(server);
    const phones = await Promise.all(
      Array.from({ length: 8 }, async () => ({ log: new OpLog(), token: await server.mintToken({ orgId }) })),
    );
    const sent: { ids: string[]; rejectedId: string | null }[] = [];
    await Promise.all(
      phones.map(async ({ log, token }, phone) => {
        for (let round = 0; round < 3; round++) {
          const ids = Array.from({ length: 5 }, () => uuid());
          const batch = ids.map((id) => log.put('invoices', id, { amount_cents: 100 + round }));
          // Every third batch holds an invoice the database refuses (CHECK amount_cents >= 0): the
          // set-based apply fails, the upload runs again op by op in a new transaction.
          const bad = (phone + round) % 3 === 0 ? uuid() : null;
          if (bad) batch.splice(2, 0, log.put('invoices', bad, { amount_cents: -5 }));
          const answer = await uploadOk(server, token, log.clientId, batch);
          expect(answer.rejected.map((r) => r.code)).toEqual(bad ? ['constraint'] : []);
          sent.push({ ids, rejectedId: bad });
        }
      }),
    );
    const { rows } = await server.db.query<{ id: string; number: number }>(
      'SELECT id, number FROM invoices WHERE org_id = $1 ORDER BY number',
      [orgId],
    );
    expect(rows.map((r) => r.number)).toEqual(Array.from({ length: 8 * 3 * 5 }, (_, i) => i + 1));
    const numberOf = new Map(rows.map((r) => [r.id, r.number]));
    for (const { ids, rejectedId } of sent) {
      if (rejectedId) expect(numberOf.has(rejectedId)).toBe(false);
      const numbers = ids.map((id) => numberOf.get(id)!);
      expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    }
  });
});

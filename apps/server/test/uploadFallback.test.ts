// When the set-based apply fails on the data, the server finds the bad transactions by bisecting
// the batch (and a bad transaction's ops) instead of re-applying op by op.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { OpLog, row, uploadOk, uuid } from './support/http';

describe.each(testBackends())('CRUD upload fallback on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server?.close());

  async function statementsOf<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
    let statements = 0;
    const stop = server.db.onStatement(() => statements++);
    try {
      return { result: await fn(), statements };
    } finally {
      stop();
    }
  }

  it('finds one bad op among 2,000 with O(log n) set-based applies', async () => {
    const orgId = `org_${uuid().slice(0, 8)}`;
    const token = await server.mintToken({ orgId });
    const log = new OpLog();
    const s = uuid();
    await uploadOk(server, token, log.clientId, [log.put('schedules', s, {})]);
    const batch = Array.from({ length: 2000 }, (_, i) =>
      log.put('invoices', uuid(), { schedule_id: s, amount_cents: i === 1234 ? -1 : i }),
    );
    const started = performance.now();
    const { result, statements } = await statementsOf(() => uploadOk(server, token, log.clientId, batch));
    const ms = performance.now() - started;
    console.log(`[${backend}] 2,000 ops, one bad: ${ms.toFixed(0)} ms, ${statements} statements`);
    expect(result.rejected).toEqual([
      { op_id: batch[1234]!.op_id, code: 'constraint', message: 'amount_cents must not be negative' },
    ]);
    expect(result.applied).toHaveLength(1999);
    // A savepoint per op needed ≥ 4 statements per op (8,000 here); bisecting ~2 applies per level.
    expect(statements).toBeLessThan(400);
    const { rows } = await server.db.query(
      'SELECT count(*)::int AS n, count(DISTINCT number)::int AS numbers, max(number) AS max FROM invoices WHERE org_id = $1',
      [orgId],
    );
    // Invoice numbers handed out by rolled-back tries are not lost: still dense.
    expect(rows[0]).toEqual({ n: 1999, numbers: 1999, max: 1999 });
  });

  it('finds the bad op inside a large transaction, and judges each transaction after those before it', async () => {
    const token = await server.mintToken({ orgId: `org_${uuid().slice(0, 8)}` });
    const log = new OpLog();
    const [s, doomed, photo, later] = [uuid(), uuid(), uuid(), uuid()];
    await uploadOk(server, token, log.clientId, [
      log.put('schedules', s, {}),
      log.put('schedules', doomed, {}),
      log.put('photos', photo, { schedule_id: doomed, kind: 'before' }),
    ]);
    const big = log.tx(
      ...Array.from({ length: 300 }, (_, i) => ({
        op: 'PUT',
        type: 'invoices',
        id: uuid(),
        data: { schedule_id: s, amount_cents: i === 200 ? -5 : i },
      })),
    );
    const cascade = log.tx(
      { op: 'DELETE', type: 'schedules', id: doomed },
      // The cascade removed the photo: a PATCH of it in the same transaction finds nothing.
      { op: 'PATCH', type: 'photos', id: photo, data: { width: 10 } },
    );
    const fine = log.put('schedules', later, { customer: 'after the bad ones' });
    // Only valid if the bad transaction before it was really rolled back.
    const dependent = log.put('invoices', uuid(), { schedule_id: s, amount_cents: 1 });
    const { result, statements } = await statementsOf(() =>
      uploadOk(server, token, log.clientId, [...big, ...cascade, fine, dependent]),
    );
    expect(result.applied).toEqual([fine.op_id, dependent.op_id]);
    const rejected = new Map(result.rejected.map((r) => [r.op_id, r]));
    expect(rejected.get(big[200]!.op_id)).toMatchObject({ code: 'constraint' });
    expect(rejected.get(big[0]!.op_id)).toMatchObject({
      code: 'tx_rejected',
      message: expect.stringContaining(`op ${big[200]!.op_id}`),
    });
    expect(result.rejected.filter((r) => r.code === 'tx_rejected')).toHaveLength(300);
    expect(rejected.get(cascade[1]!.op_id)).toMatchObject({ code: 'not_found' });
    expect(rejected.get(cascade[0]!.op_id)).toMatchObject({ code: 'tx_rejected' });
    expect(statements).toBeLessThan(400);
    expect(await row(server, 'schedules', doomed)).toBeDefined();
    expect(await row(server, 'schedules', later)).toMatchObject({ customer: 'after the bad ones' });
    expect((await row(server, 'invoices', dependent.id))?.number).toBe(1);
  });
});

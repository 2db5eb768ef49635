// processUpload's edges, in-process on a real database (PGlite; Postgres too with TEST_DATABASE_URL):
// a failure of the server (not of the data) while the apply runs is retried, never taken for bad
// data; answers come in op_id order; op_id 0; the round trips of a clean upload; replayed codes.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ApiAuth } from '../../src/auth/authenticate';
import { processUpload } from '../../src/crudApply/applyUpload';
import type { Db, Tx } from '../../src/db/types';
import { testBackends } from '../../src/testing';
import { useUploadTestDatabase } from './sharedDatabase';
import { refusingVerifier } from './uploadTestApp';

type Op = {
  op_id: number;
  op: string;
  type: string;
  id: string;
  tx_id?: number;
  data?: unknown;
  old?: unknown;
};

/**
 * The database with a fault injected: the `nth` write statement of the apply (numbered across
 * transactions) fails with a serialization failure, as a busy Postgres may answer any statement.
 */
function failingWrite(db: Db, nth: number): Db {
  let writes = 0;
  const wrap = (tx: Tx): Tx => ({
    query: (sql, params) => {
      if (sql.startsWith('WITH w0 AS') && ++writes === nth)
        return Promise.reject(Object.assign(new Error('could not serialize access'), { code: '40001' }));
      return tx.query(sql, params);
    },
    exec: (sql) => tx.exec(sql),
    savepoint: (fn) => tx.savepoint((inner) => fn(wrap(inner))),
  });
  return { ...db, transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) };
}

describe.each(testBackends())('processUpload edges on %s', (backend) => {
  const database = useUploadTestDatabase(backend);

  async function client() {
    const orgId = `org_${randomUUID().slice(0, 8)}`;
    const userId = `user_${randomUUID().slice(0, 8)}`;
    await database.db.query('INSERT INTO organizations (id) VALUES ($1)', [orgId]);
    const clientId = `client-${randomUUID()}`;
    const lines: string[] = [];
    const log = { info: (_o: unknown, msg: string) => lines.push(msg) } as unknown as FastifyBaseLogger;
    const ctx = { auth: { userId, orgId } as ApiAuth, verifier: refusingVerifier, log };
    return {
      clientId,
      lines,
      userId,
      upload: (batch: Op[], db: Db = database.db) => processUpload(db, { client_id: clientId, batch }, ctx),
    };
  }
  const put = (op_id: number, type: string, id: string, data: unknown, tx_id = op_id) => ({
    op_id,
    op: 'PUT',
    type,
    id,
    data,
    tx_id,
  });

  describe('a failure of the server during the apply is retried, never taken for bad data', () => {
    it('in the set-based apply: retried as it was, without bisecting', async () => {
      const c = await client();
      const s = randomUUID();
      expect(await c.upload([put(1, 'schedules', s, {})], failingWrite(database.db, 1))).toEqual({
        applied: [1],
        rejected: [],
      });
      expect(c.lines).toEqual([]);
    });

    it('while bisecting a batch: the good transaction still applies, the bad one is named', async () => {
      const c = await client();
      const s = randomUUID();
      // Writes: 1 set-based (fails on the data), 2 bisect all (fails), 3 the first half → injected.
      const answer = await c.upload(
        [put(1, 'schedules', s, {}), put(2, 'invoices', randomUUID(), { amount_cents: -1 })],
        failingWrite(database.db, 3),
      );
      expect(answer).toEqual({
        applied: [1],
        rejected: [{ op_id: 2, code: 'constraint', message: 'amount_cents must not be negative' }],
      });
    });

    it('while trying a prefix of a bad transaction: the op at fault is still the one named', async () => {
      const c = await client();
      const s = randomUUID();
      await c.upload([put(1, 'schedules', s, {})]);
      // Writes: 1 set-based (fails), 2 bisect (fails), 3 the prefix of one op → injected.
      const answer = await c.upload(
        [
          put(2, 'invoices', randomUUID(), { schedule_id: s }, 5),
          put(3, 'invoices', randomUUID(), { schedule_id: s, amount_cents: -1 }, 5),
        ],
        failingWrite(database.db, 3),
      );
      expect(answer.rejected.map((r) => [r.op_id, r.code])).toEqual([
        [2, 'tx_rejected'],
        [3, 'constraint'],
      ]);
    });

    it('while diagnosing a cascade: the PATCH is still not_found', async () => {
      const c = await client();
      const s = randomUUID();
      const inv = randomUUID();
      await c.upload([put(1, 'schedules', s, {}), put(2, 'invoices', inv, { schedule_id: s })]);
      // Writes: 1–2 set-based (the update drifts), 3–4 bisect, 5 the prefix, 6 the diagnosis → injected.
      const answer = await c.upload(
        [
          { op_id: 3, op: 'DELETE', type: 'schedules', id: s, tx_id: 9 },
          { op_id: 4, op: 'PATCH', type: 'invoices', id: inv, data: { status: 'sent' }, tx_id: 9 },
        ],
        failingWrite(database.db, 6),
      );
      expect(answer.rejected.map((r) => [r.op_id, r.code])).toEqual([
        [3, 'tx_rejected'],
        [4, 'not_found'],
      ]);
    });

    it('the bisecting retry is not counted as an attempt: a deadlock after it is still retried', async () => {
      const c = await client();
      let transactions = 0;
      const db: Db = {
        ...database.db,
        transaction: (fn) => {
          // 1: set-based (fails on the data); 2: bisecting → a deadlock; 3: bisecting again.
          if (++transactions === 2)
            return Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
          return database.db.transaction(fn);
        },
      };
      const answer = await c.upload([put(1, 'photos', randomUUID(), { width: 0 })], db);
      expect(answer.rejected).toEqual([{ op_id: 1, code: 'constraint', message: 'width must be positive' }]);
      expect(transactions).toBe(3);
    });
  });

  it('answers rejections in op_id order, whichever step refused them', async () => {
    const c = await client();
    // op 1: refused by the planner (no such row); op 2: refused by validation.
    const answer = await c.upload([
      { op_id: 1, op: 'PATCH', type: 'schedules', id: randomUUID(), data: { notes: 'x' }, tx_id: 1 },
      put(2, 'schedules', randomUUID(), { status: 'bogus' }),
    ]);
    expect(answer.rejected.map((r) => [r.op_id, r.code])).toEqual([
      [1, 'not_found'],
      [2, 'invalid'],
    ]);
  });

  it('applies op_id 0, the first op a client may send', async () => {
    const c = await client();
    const s = randomUUID();
    expect(await c.upload([put(0, 'schedules', s, {})])).toEqual({ applied: [0], rejected: [] });
    expect((await database.db.query('SELECT 1 FROM schedules WHERE id = $1', [s])).rows).toHaveLength(1);
  });

  it('a clean upload takes no savepoint and, with nothing replayed, no look-up of recorded verdicts', async () => {
    const c = await client();
    await c.upload([put(1, 'schedules', randomUUID(), {})]);
    const statements: string[] = [];
    const stop = database.db.onStatement((sql) => statements.push(sql));
    await c.upload([put(2, 'schedules', randomUUID(), {}), put(3, 'schedules', randomUUID(), {})]);
    stop();
    expect(statements.filter((sql) => /SAVEPOINT/i.test(sql))).toEqual([]);
    expect(statements.filter((sql) => /FROM op_verdicts/i.test(sql))).toEqual([]);
  });

  it('repeats a replayed rejection with its own code', async () => {
    const c = await client();
    const batch = [
      { op_id: 1, op: 'PATCH', type: 'invoices', id: randomUUID(), data: { status: 'sent' }, tx_id: 1 },
    ];
    const first = await c.upload(batch);
    expect(first.rejected.map((r) => r.code)).toEqual(['not_found']);
    expect(await c.upload(batch)).toEqual(first);
  });

  it('names the reason when a client_id is another user’s', async () => {
    const c = await client();
    await c.upload([put(1, 'schedules', randomUUID(), {})]);
    const intruder = await client();
    await expect(
      processUpload(
        database.db,
        { client_id: c.clientId, batch: [put(2, 'schedules', randomUUID(), {})] },
        {
          auth: { userId: intruder.userId, orgId: 'org_x' } as ApiAuth,
          verifier: refusingVerifier,
          log: {} as FastifyBaseLogger,
        },
      ),
    ).rejects.toThrow('This client_id belongs to another user');
  });
});

// The exactly-once apply in-process: processUpload on a real database (PGlite in memory; Postgres too
// when TEST_DATABASE_URL is set) without an HTTP server — the verifier and the logger are test
// doubles made here. Fast enough for mutation testing; upload.test.ts runs the same path through
// the route.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiAuth } from '../../src/auth/authenticate';
import { processUpload } from '../../src/crudApply/applyUpload';
import type { PhotoConfirmation, PhotoConfirmationVerifier } from '../../src/crudApply/photoConfirmations';
import type { Db } from '../../src/db/types';
import { HttpError } from '../../src/errors';
import { testBackends } from '../../src/testing';
import { useUploadTestDatabase } from './sharedDatabase';

type Op = {
  op_id: number;
  op: string;
  type: string;
  id: string;
  tx_id?: number | null;
  data?: unknown;
  old?: unknown;
};
type Answer = Awaited<ReturnType<typeof processUpload>>;

/** Test double of the request logger: keeps each info line's message. */
function recordingLog() {
  const lines: string[] = [];
  const log = {
    info: (_obj: unknown, msg: string) => lines.push(msg),
    warn: () => {},
    error: () => {},
    debug: () => {},
  } as unknown as FastifyBaseLogger;
  return { log, lines };
}

/** Test double of the photo confirmation verifier: accepts signature `good`, records each question. */
function recordingVerifier() {
  const asked: PhotoConfirmation[] = [];
  const verifier: PhotoConfirmationVerifier = {
    verify: async (c) => {
      asked.push(c);
      return c.signature === 'good'
        ? { ok: true, cloudinaryUrl: `https://media.test/${c.publicId}/v${c.version}` }
        : { ok: false, code: 'forbidden', message: 'signature does not match' };
    },
  };
  return { verifier, asked };
}

describe.each(testBackends())('processUpload on %s', (backend) => {
  const database = useUploadTestDatabase(backend);
  let db: Db;
  beforeAll(() => {
    db = database.db;
  });

  /** A fresh organization, user and client, so tests never see each other's rows. */
  async function client(
    orgId = `org_${randomUUID().slice(0, 8)}`,
    userId = `user_${randomUUID().slice(0, 8)}`,
  ) {
    await db.query('INSERT INTO organizations (id) VALUES ($1) ON CONFLICT DO NOTHING', [orgId]);
    const clientId = `client-${randomUUID()}`;
    const { log, lines } = recordingLog();
    const { verifier, asked } = recordingVerifier();
    let nextOp = 1;
    const auth = { userId, orgId } as ApiAuth;
    return {
      orgId,
      userId,
      clientId,
      lines,
      asked,
      /** An op with the next op_id; its own transaction unless `tx_id` is given. */
      op(op: string, type: string, id: string, data?: unknown, extra: Partial<Op> = {}): Op {
        const opId = nextOp++;
        return {
          op_id: opId,
          op,
          type,
          id,
          tx_id: opId * 1000,
          ...(data !== undefined ? { data } : {}),
          ...extra,
        };
      },
      upload(batch: Op[], clientIdOverride = clientId): Promise<Answer> {
        return processUpload(db, { client_id: clientIdOverride, batch }, { auth, verifier, log });
      },
    };
  }
  const row = async (table: string, id: string) =>
    (await db.query(`SELECT * FROM ${table} WHERE id = $1`, [id])).rows[0];
  const watermark = async (clientId: string) =>
    (
      await db.query<{ last_op_id: number; settled_below: number; org_id: string }>(
        'SELECT last_op_id, settled_below, org_id FROM client_watermarks WHERE client_id = $1',
        [clientId],
      )
    ).rows[0];
  const verdicts = async (clientId: string) =>
    (
      await db.query(
        'SELECT op_id, tx_id, verdict, code, message FROM op_verdicts WHERE client_id = $1 ORDER BY op_id',
        [clientId],
      )
    ).rows;
  const applied = (...opIds: number[]) => ({ applied: opIds, rejected: [] });

  describe('applying', () => {
    it('applies PUT, PATCH and DELETE across tables, answers each op_id once in order, records verdicts and the watermark', async () => {
      const c = await client();
      const s = randomUUID();
      const gone = randomUUID();
      const inv = randomUUID();
      const batch = [
        c.op('PUT', 'schedules', s, { customer: 'Diner', scheduled_at: '2025-03-01T09:00:00Z' }),
        c.op('PUT', 'schedules', gone, { customer: 'Gone' }),
        c.op('PUT', 'invoices', inv, { schedule_id: s, amount_cents: 990 }),
        c.op('PATCH', 'schedules', s, { notes: 'ring twice' }),
        c.op('DELETE', 'schedules', gone),
      ];
      // Sent out of order: answered in op_id order all the same.
      expect(await c.upload([...batch].reverse())).toEqual(applied(1, 2, 3, 4, 5));
      expect(await row('schedules', s)).toMatchObject({
        org_id: c.orgId,
        customer: 'Diner',
        notes: 'ring twice',
        status: 'scheduled',
        scheduled_at: '2025-03-01T09:00:00.000Z',
      });
      expect(await row('schedules', gone)).toBeUndefined();
      expect(await row('invoices', inv)).toMatchObject({ amount_cents: 990, status: 'draft', number: 1 });
      expect(await watermark(c.clientId)).toEqual({ last_op_id: 5, settled_below: 1, org_id: c.orgId });
      expect(await verdicts(c.clientId)).toEqual(
        [1, 2, 3, 4, 5].map((n) => ({
          op_id: n,
          tx_id: n * 1000,
          verdict: 'applied',
          code: null,
          message: null,
        })),
      );
    });

    it('an empty batch answers nothing and records nothing', async () => {
      const c = await client();
      expect(await c.upload([])).toEqual(applied());
      expect(await watermark(c.clientId)).toMatchObject({ last_op_id: null });
    });

    it('a PATCH changes only the columns it names; a PUT replaces the row with defaults for the rest', async () => {
      const c = await client();
      const s = randomUUID();
      await c.upload([c.op('PUT', 'schedules', s, { customer: 'A', address: 'Street 1', status: 'done' })]);
      await c.upload([c.op('PATCH', 'schedules', s, { address: 'Street 2' })]);
      expect(await row('schedules', s)).toMatchObject({ customer: 'A', address: 'Street 2', status: 'done' });
      await c.upload([c.op('PATCH', 'schedules', s, { customer: null })]);
      expect(await row('schedules', s)).toMatchObject({ customer: null, address: 'Street 2' });
      await c.upload([c.op('PUT', 'schedules', s, { notes: 'n' })]);
      expect(await row('schedules', s)).toMatchObject({
        customer: null,
        address: null,
        status: 'scheduled',
        notes: 'n',
      });
    });

    it('patches a row put earlier in the same batch, and re-creates a row deleted earlier in it', async () => {
      const c = await client();
      const s = randomUUID();
      await c.upload([c.op('PUT', 'schedules', s, { customer: 'old', notes: 'old notes' })]);
      const answer = await c.upload([
        c.op('DELETE', 'schedules', s),
        c.op('PUT', 'schedules', s, { customer: 'new' }),
        c.op('PATCH', 'schedules', s, { address: 'here' }),
      ]);
      expect(answer).toEqual(applied(2, 3, 4));
      expect(await row('schedules', s)).toMatchObject({ customer: 'new', address: 'here', notes: null });
    });

    it('sets updated_at itself, whatever the client sends', async () => {
      const c = await client();
      const s = randomUUID();
      const before = Date.now();
      await c.upload([c.op('PUT', 'schedules', s, { updated_at: '1999-01-01T00:00:00Z' })]);
      const first = Date.parse((await row('schedules', s))?.updated_at as string);
      expect(first).toBeGreaterThan(before - 60_000);
      await c.upload([c.op('PATCH', 'schedules', s, { notes: 'x' })]);
      expect(Date.parse((await row('schedules', s))?.updated_at as string)).toBeGreaterThanOrEqual(first);
    });
  });

  describe('exactly once', () => {
    it("repeats a replayed batch's verdicts without applying it again; applies only the new ops of a longer one", async () => {
      const c = await client();
      const other = await client(c.orgId);
      const s = randomUUID();
      const batch = [
        c.op('PUT', 'schedules', s, { customer: 'A' }),
        c.op('PUT', 'schedules', randomUUID(), { status: 'bogus' }),
      ];
      const first = await c.upload(batch);
      expect(first).toEqual({
        applied: [1],
        rejected: [
          {
            op_id: 2,
            code: 'invalid',
            message: 'status must be one of scheduled, in_progress, done, cancelled; got "bogus"',
          },
        ],
      });
      await other.upload([other.op('PATCH', 'schedules', s, { customer: 'B' })]);
      expect(await c.upload(batch)).toEqual(first);
      expect(await row('schedules', s)).toMatchObject({ customer: 'B' });
      const more = [...batch, c.op('PATCH', 'schedules', s, { notes: 'n' })];
      expect(await c.upload(more)).toEqual({ applied: [1, 3], rejected: first.rejected });
      expect(await row('schedules', s)).toMatchObject({ customer: 'B', notes: 'n' });
      expect(await watermark(c.clientId)).toMatchObject({ last_op_id: 3 });
    });

    it('refuses an op at or below the watermark that was never received, and applies the rest', async () => {
      const c = await client();
      const s = randomUUID();
      const skipped = c.op('PUT', 'schedules', randomUUID(), {});
      const sent = c.op('PUT', 'schedules', s, {});
      expect(await c.upload([sent])).toEqual(applied(2));
      const late = { ...skipped };
      const fresh = c.op('PATCH', 'schedules', s, { notes: 'n' });
      expect(await c.upload([late, sent, fresh])).toEqual({
        applied: [2, 3],
        rejected: [
          {
            op_id: 1,
            code: 'invalid',
            message: "op_id 1 is at or below this client's watermark 2 but was never received",
          },
        ],
      });
      expect(await row('schedules', skipped.id)).toBeUndefined();
    });

    it('never lowers the watermark; settles verdicts below the latest batch’s first op', async () => {
      const c = await client();
      const ops = [1, 2, 3, 4].map(() => c.op('PUT', 'schedules', randomUUID(), {}));
      await c.upload(ops.slice(0, 3));
      await c.upload(ops.slice(2));
      expect(await watermark(c.clientId)).toMatchObject({ last_op_id: 4, settled_below: 3 });
      await c.upload(ops.slice(0, 2));
      expect(await watermark(c.clientId)).toMatchObject({ last_op_id: 4, settled_below: 3 });
    });

    it('binds a client_id to its first user: another user of it gets a 403 and changes nothing', async () => {
      const c = await client();
      const intruder = await client(c.orgId);
      await c.upload([c.op('PUT', 'schedules', randomUUID(), {})]);
      const s = randomUUID();
      const refused = intruder.upload([intruder.op('PUT', 'schedules', s, {})], c.clientId);
      await expect(refused).rejects.toThrow(HttpError);
      await expect(refused).rejects.toMatchObject({ statusCode: 403, code: 'forbidden' });
      expect(await row('schedules', s)).toBeUndefined();
    });
  });

  describe('transactions', () => {
    it('rejects a whole client transaction for one invalid op, naming the op; other transactions apply', async () => {
      const c = await client();
      const s = randomUUID();
      const ok = randomUUID();
      const answer = await c.upload([
        c.op('PUT', 'schedules', s, {}, { tx_id: 7 }),
        c.op('PUT', 'schedules', randomUUID(), { status: 'bogus' }, { tx_id: 7 }),
        c.op('PUT', 'schedules', ok, {}, { tx_id: 8 }),
      ]);
      expect(answer.applied).toEqual([3]);
      expect(answer.rejected).toEqual([
        {
          op_id: 1,
          code: 'tx_rejected',
          message: expect.stringMatching(
            /^transaction 7 rejected: op 2 was refused \(invalid: status must be/,
          ),
        },
        { op_id: 2, code: 'invalid', message: expect.stringContaining('status') },
      ]);
      expect(await row('schedules', s)).toBeUndefined();
      expect(await row('schedules', ok)).toBeDefined();
    });

    it('ops without a tx_id are each their own transaction', async () => {
      const c = await client();
      const s = randomUUID();
      const answer = await c.upload([
        c.op('PUT', 'schedules', s, {}, { tx_id: null }),
        c.op('PUT', 'schedules', randomUUID(), { status: 'bogus' }, { tx_id: null }),
        c.op('PUT', 'schedules', randomUUID(), { status: 'bogus' }, { tx_id: 1.5 }),
      ]);
      expect(answer.applied).toEqual([1]);
      expect(answer.rejected.map((r) => r.code)).toEqual(['invalid', 'invalid']);
    });

    it('refuses rows of another organization (forbidden) and PATCHes of missing rows (not_found)', async () => {
      const mine = await client();
      const theirs = await client();
      const s = randomUUID();
      await theirs.upload([theirs.op('PUT', 'schedules', s, { customer: 'theirs' })]);
      const answer = await mine.upload([
        mine.op('PATCH', 'schedules', s, { customer: 'mine' }),
        mine.op('PUT', 'schedules', s, { customer: 'mine' }),
        mine.op('DELETE', 'schedules', s),
        mine.op('PUT', 'invoices', randomUUID(), { schedule_id: s }),
        mine.op('PATCH', 'schedules', randomUUID(), { customer: 'x' }),
      ]);
      expect(answer.applied).toEqual([]);
      expect(answer.rejected.map((r) => r.code)).toEqual([
        'forbidden',
        'forbidden',
        'forbidden',
        'forbidden',
        'not_found',
      ]);
      expect(await row('schedules', s)).toMatchObject({ customer: 'theirs', org_id: theirs.orgId });
    });

    it('a PATCH with old values applies only when they still match (conflict otherwise)', async () => {
      const c = await client();
      const s = randomUUID();
      const inv = randomUUID();
      await c.upload([
        c.op('PUT', 'schedules', s, {}),
        c.op('PUT', 'invoices', inv, { schedule_id: s, amount_cents: 100 }),
      ]);
      const answer = await c.upload([
        c.op('PATCH', 'invoices', inv, { status: 'sent' }, { old: { status: 'paid' } }),
        c.op(
          'PATCH',
          'invoices',
          inv,
          { amount_cents: 200 },
          { old: { amount_cents: 100, status: 'draft' } },
        ),
      ]);
      expect(answer.applied).toEqual([4]);
      expect(answer.rejected).toEqual([
        { op_id: 3, code: 'conflict', message: `invoices ${inv}: status is now "draft", not "paid"` },
      ]);
      expect(await row('invoices', inv)).toMatchObject({ amount_cents: 200, status: 'draft' });
    });
  });

  describe('data the database refuses', () => {
    it('finds the op at fault by bisecting, in words of ours, and applies every other transaction', async () => {
      const c = await client();
      const s = randomUUID();
      const good = Array.from({ length: 6 }, () => randomUUID());
      const batch = [
        c.op('PUT', 'schedules', s, {}),
        ...good.slice(0, 3).map((id) => c.op('PUT', 'invoices', id, { schedule_id: s })),
        c.op('PUT', 'invoices', randomUUID(), { schedule_id: s, amount_cents: -1 }),
        ...good.slice(3).map((id) => c.op('PUT', 'invoices', id, { schedule_id: s })),
        c.op('PUT', 'photos', randomUUID(), { schedule_id: s, width: 0 }),
      ];
      const answer = await c.upload(batch);
      expect(answer.applied).toEqual([1, 2, 3, 4, 6, 7, 8]);
      expect(answer.rejected).toEqual([
        { op_id: 5, code: 'constraint', message: 'amount_cents must not be negative' },
        { op_id: 9, code: 'constraint', message: 'width must be positive' },
      ]);
      expect(c.lines).toContain('set-based apply failed; bisecting in a new transaction');
      expect(c.lines.filter((l) => l === 'op rejected by the database')).toHaveLength(2);
      // Invoices numbered without a gap, in op order, the refused one taking none.
      const numbers = await db.query<{ id: string; number: number }>(
        'SELECT id, number FROM invoices WHERE org_id = $1 ORDER BY number',
        [c.orgId],
      );
      expect(numbers.rows).toEqual(good.map((id, i) => ({ id, number: i + 1 })));
    });

    it('inside one transaction names the op at fault; the ops before and after it are tx_rejected', async () => {
      const c = await client();
      const s = randomUUID();
      await c.upload([c.op('PUT', 'schedules', s, {})]);
      const tx = (data: Record<string, unknown>) =>
        c.op('PUT', 'invoices', randomUUID(), { schedule_id: s, ...data }, { tx_id: 5 });
      const answer = await c.upload([tx({}), tx({}), tx({}), tx({ amount_cents: -5 }), tx({}), tx({})]);
      expect(answer.applied).toEqual([]);
      expect(answer.rejected.map((r) => [r.op_id, r.code])).toEqual([
        [2, 'tx_rejected'],
        [3, 'tx_rejected'],
        [4, 'tx_rejected'],
        [5, 'constraint'],
        [6, 'tx_rejected'],
        [7, 'tx_rejected'],
      ]);
      expect(answer.rejected[0]?.message).toBe(
        'transaction 5 rejected: op 5 was refused (constraint: amount_cents must not be negative)',
      );
      expect((await db.query('SELECT 1 FROM invoices WHERE org_id = $1', [c.orgId])).rows).toEqual([]);
    });

    it('the first op of a transaction at fault is found too', async () => {
      const c = await client();
      const answer = await c.upload([
        c.op('PUT', 'photos', randomUUID(), { height: 0 }, { tx_id: 3 }),
        c.op('PUT', 'photos', randomUUID(), {}, { tx_id: 3 }),
      ]);
      expect(answer.rejected.map((r) => [r.op_id, r.code])).toEqual([
        [1, 'constraint'],
        [2, 'tx_rejected'],
      ]);
    });

    it('a row removed by a cascade earlier in the transaction: the PATCH after it is not_found', async () => {
      const c = await client();
      const s = randomUUID();
      const inv = randomUUID();
      const keep = randomUUID();
      await c.upload([c.op('PUT', 'schedules', s, {}), c.op('PUT', 'invoices', inv, { schedule_id: s })]);
      const answer = await c.upload([
        c.op('DELETE', 'schedules', s, undefined, { tx_id: 9 }),
        c.op('PATCH', 'invoices', inv, { status: 'sent' }, { tx_id: 9 }),
        c.op('PUT', 'schedules', keep, {}, { tx_id: 10 }),
      ]);
      expect(answer).toEqual({
        applied: [5],
        rejected: [
          {
            op_id: 3,
            code: 'tx_rejected',
            message: expect.stringMatching(/^transaction 9 rejected: op 4 was refused \(not_found/),
          },
          { op_id: 4, code: 'not_found', message: `invoices ${inv} does not exist` },
        ],
      });
      expect(await row('schedules', s)).toBeDefined();
      expect(await row('invoices', inv)).toMatchObject({ status: 'draft' });
    });

    it('a cascade from an earlier transaction of the batch: the later PATCH is not_found, the delete applies', async () => {
      const c = await client();
      const s = randomUUID();
      const inv = randomUUID();
      await c.upload([c.op('PUT', 'schedules', s, {}), c.op('PUT', 'invoices', inv, { schedule_id: s })]);
      const answer = await c.upload([
        c.op('DELETE', 'schedules', s),
        c.op('PATCH', 'invoices', inv, { status: 'sent' }),
      ]);
      expect(answer).toEqual({
        applied: [3],
        rejected: [{ op_id: 4, code: 'not_found', message: `invoices ${inv} does not exist` }],
      });
      expect(await row('schedules', s)).toBeUndefined();
    });
  });

  describe('invoice numbers', () => {
    it('numbers new invoices gaplessly per organization in op order; a PUT over one keeps its number', async () => {
      const c = await client();
      const s = randomUUID();
      const [a, b, d] = [randomUUID(), randomUUID(), randomUUID()];
      await c.upload([
        c.op('PUT', 'schedules', s, {}),
        c.op('PUT', 'invoices', a, { schedule_id: s }),
        c.op('PUT', 'invoices', b, { schedule_id: s }),
      ]);
      await c.upload([
        c.op('PUT', 'invoices', a, { schedule_id: s, amount_cents: 5 }),
        c.op('PUT', 'invoices', d, {}),
      ]);
      const number = async (id: string) => (await row('invoices', id))?.number;
      expect([await number(a), await number(b), await number(d)]).toEqual([1, 2, 3]);
      // Deleted and put again: a new row, a new number.
      await c.upload([c.op('DELETE', 'invoices', b), c.op('PUT', 'invoices', b, {})]);
      expect(await number(b)).toBe(4);
      const counter = await db.query('SELECT last_number FROM invoice_counters WHERE org_id = $1', [c.orgId]);
      expect(counter.rows).toEqual([{ last_number: 4 }]);
      // Another organization counts from 1.
      const other = await client();
      const e = randomUUID();
      await other.upload([other.op('PUT', 'invoices', e, {})]);
      expect(await number(e)).toBe(1);
    });

    it('leaves the counter alone when there is nothing to number', async () => {
      const c = await client();
      await c.upload([c.op('PUT', 'schedules', randomUUID(), {})]);
      const counter = await db.query('SELECT last_number FROM invoice_counters WHERE org_id = $1', [c.orgId]);
      expect(counter.rows).toEqual([]);
    });
  });

  describe('photo confirmations', () => {
    const confirm = (signature: string) => ({
      cloudinary_public_id: 'vhd/p1',
      cloudinary_version: 17,
      cloudinary_signature: signature,
    });

    it('stores a verified confirmation with the URL the verifier derives; a later PUT keeps it', async () => {
      const c = await client();
      const p = randomUUID();
      await c.upload([c.op('PUT', 'photos', p, { kind: 'before' })]);
      expect(await c.upload([c.op('PATCH', 'photos', p, confirm('good'))])).toEqual(applied(2));
      expect(c.asked).toEqual([
        { orgId: c.orgId, photoId: p, publicId: 'vhd/p1', version: 17, signature: 'good' },
      ]);
      const confirmed = {
        cloudinary_public_id: 'vhd/p1',
        cloudinary_version: 17,
        cloudinary_url: 'https://media.test/vhd/p1/v17',
      };
      expect(await row('photos', p)).toMatchObject({ kind: 'before', ...confirmed });
      await c.upload([c.op('PUT', 'photos', p, { kind: 'after' })]);
      expect(await row('photos', p)).toMatchObject({ kind: 'after', ...confirmed });
    });

    it('a PUT with a confirmation stores it on a new row', async () => {
      const c = await client();
      const p = randomUUID();
      expect(await c.upload([c.op('PUT', 'photos', p, { kind: 'after', ...confirm('good') })])).toEqual(
        applied(1),
      );
      expect(await row('photos', p)).toMatchObject({
        kind: 'after',
        cloudinary_url: 'https://media.test/vhd/p1/v17',
      });
    });

    it('a confirmation the verifier refuses rejects its transaction with the verifier’s words', async () => {
      const c = await client();
      const p = randomUUID();
      const answer = await c.upload([
        c.op('PUT', 'photos', p, { kind: 'before' }, { tx_id: 4 }),
        c.op('PATCH', 'photos', p, confirm('forged'), { tx_id: 4 }),
      ]);
      expect(answer.rejected).toEqual([
        {
          op_id: 1,
          code: 'tx_rejected',
          message: 'transaction 4 rejected: op 2 was refused (forbidden: signature does not match)',
        },
        { op_id: 2, code: 'forbidden', message: 'signature does not match' },
      ]);
      expect(await row('photos', p)).toBeUndefined();
    });
  });

  describe('retries', () => {
    /** The database, failing the first `n` transactions with `code` before they run. */
    const failing = (n: number, code: string): Db => {
      let left = n;
      return {
        ...db,
        transaction: (fn) => {
          if (left-- > 0) return Promise.reject(Object.assign(new Error(`failure ${code}`), { code }));
          return db.transaction(fn);
        },
      };
    };
    const ctx = async () => {
      const c = await client();
      return {
        c,
        ctx: {
          auth: { userId: c.userId, orgId: c.orgId } as ApiAuth,
          verifier: recordingVerifier().verifier,
          log: recordingLog().log,
        },
      };
    };

    it('retries a deadlock or serialization failure, up to three attempts in all', async () => {
      for (const code of ['40P01', '40001']) {
        const { c, ctx: context } = await ctx();
        const s = randomUUID();
        const body = { client_id: c.clientId, batch: [c.op('PUT', 'schedules', s, {})] };
        expect(await processUpload(failing(2, code), body, context)).toEqual(applied(1));
        await expect(
          processUpload(failing(3, code), { ...body, batch: [c.op('PUT', 'schedules', s, {})] }, context),
        ).rejects.toThrow(`failure ${code}`);
      }
    });

    it('does not retry any other failure', async () => {
      const { c, ctx: context } = await ctx();
      const body = { client_id: c.clientId, batch: [c.op('PUT', 'schedules', randomUUID(), {})] };
      await expect(processUpload(failing(1, '53300'), body, context)).rejects.toThrow('failure 53300');
    });
  });
});

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { type Op, OpLog, uploadOk, uuid } from './support/http';

/**
 * Rows a unit of work needs beforehand, and the unit itself: 10 ops touching every table with every
 * op kind (new rows, patches of stored rows, deletes children-first, a second op on one row).
 */
function unit(log: OpLog) {
  const stored = { s: uuid(), i: uuid(), p: uuid(), p2: uuid(), i2: uuid(), s2: uuid() };
  const setup = [
    log.put('schedules', stored.s, { customer: 'stored' }),
    log.put('schedules', stored.s2, { customer: 'to delete' }),
    log.put('invoices', stored.i, { schedule_id: stored.s, amount_cents: 100, status: 'draft' }),
    log.put('invoices', stored.i2, { schedule_id: stored.s2, amount_cents: 1 }),
    log.put('photos', stored.p, { schedule_id: stored.s, kind: 'before' }),
    log.put('photos', stored.p2, { schedule_id: stored.s2, kind: 'after' }),
  ];
  return {
    setup,
    work: () => {
      const fresh = { s: uuid(), i: uuid(), p: uuid() };
      const ops: Op[] = [
        log.put('schedules', fresh.s, { customer: 'new', scheduled_at: '2025-06-01T08:00:00.000Z' }),
        log.put('invoices', fresh.i, { schedule_id: fresh.s, amount_cents: 5000 }),
        log.put('photos', fresh.p, { schedule_id: fresh.s, kind: 'before', bytes: 2_000_000 }),
        log.patch('schedules', stored.s, { notes: 'patched' }),
        log.patch('invoices', stored.i, { amount_cents: 250 }, { amount_cents: 100, status: 'draft' }),
        log.patch('photos', stored.p, { width: 1024, height: 768 }),
        log.delete('photos', stored.p2),
        log.delete('invoices', stored.i2),
        log.delete('schedules', stored.s2),
        log.patch('schedules', fresh.s, { notes: 'patched' }),
      ];
      return ops;
    },
  };
}

async function prepare(server: TestServer, token: string, log: OpLog, units: number) {
  const prepared = Array.from({ length: units }, () => unit(log));
  const setup = prepared.flatMap((u) => u.setup);
  for (let i = 0; i < setup.length; i += 1000)
    await uploadOk(server, token, log.clientId, setup.slice(i, i + 1000));
  return prepared.flatMap((u) => u.work());
}

describe.each(testBackends())('CRUD upload at scale on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server?.close());

  async function countStatements(fn: () => Promise<unknown>): Promise<number> {
    let count = 0;
    const stop = server.db.onStatement(() => count++);
    try {
      await fn();
    } finally {
      stop();
    }
    return count;
  }

  it('sends the same number of SQL statements for 10, 100 and 1,000 ops (and for their replays)', async () => {
    const token = await server.mintToken({ orgId: `org_${uuid().slice(0, 8)}` });
    // Deleted photos' assets are removed by a background drain after the response; its statements
    // are not the request's, so it stays off while counting.
    const deletions = server.app.assetDeletions;
    await deletions.idle();
    const kick = deletions.kick;
    deletions.kick = () => {};
    onTestFinished(() => {
      deletions.kick = kick;
    });
    const counts: Record<number, { first: number; replay: number }> = {};
    for (const size of [10, 100, 1000]) {
      const log = new OpLog();
      const batch = await prepare(server, token, log, size / 10);
      let answer: Awaited<ReturnType<typeof uploadOk>> | undefined;
      const first = await countStatements(async () => {
        answer = await uploadOk(server, token, log.clientId, batch);
      });
      expect(answer?.rejected).toEqual([]);
      expect(answer?.applied).toHaveLength(size);
      const replay = await countStatements(() => uploadOk(server, token, log.clientId, batch));
      counts[size] = { first, replay };
    }
    console.log(`[${backend}] SQL statements per upload request by batch size:`, JSON.stringify(counts));
    expect(counts[100]).toEqual(counts[10]);
    expect(counts[1000]).toEqual(counts[10]);
    // BEGIN, watermark, stored rows, deletes, writes, last statement, COMMIT.
    expect(counts[10]?.first).toBeLessThanOrEqual(7);
    expect(counts[10]?.replay).toBeLessThanOrEqual(4);
  });

  it('sends at most 6 statements, BEGIN and COMMIT included, for a batch of new and patched rows of every table', async () => {
    const token = await server.mintToken({ orgId: `org_${uuid().slice(0, 8)}` });
    const log = new OpLog();
    const stored = { s: uuid(), i: uuid(), p: uuid() };
    await uploadOk(server, token, log.clientId, [
      log.put('schedules', stored.s, {}),
      log.put('invoices', stored.i, { schedule_id: stored.s, amount_cents: 1, status: 'draft' }),
      log.put('photos', stored.p, { schedule_id: stored.s, kind: 'before' }),
    ]);
    const s = uuid();
    const batch = [
      log.put('schedules', s, { customer: 'new' }),
      log.put('invoices', uuid(), { schedule_id: s, amount_cents: 5000 }),
      log.put('photos', uuid(), { schedule_id: s, kind: 'after' }),
      log.patch('schedules', stored.s, { status: 'done' }),
      log.patch('invoices', stored.i, { status: 'sent' }, { amount_cents: 1, status: 'draft' }),
      log.patch('photos', stored.p, { width: 640, height: 480 }),
    ];
    let answer: Awaited<ReturnType<typeof uploadOk>> | undefined;
    const count = await countStatements(async () => {
      answer = await uploadOk(server, token, log.clientId, batch);
    });
    expect(answer).toEqual({ applied: batch.map((op) => op.op_id), rejected: [] });
    expect(count).toBeLessThanOrEqual(6);
  });

  it('applies 10,000 ops in 10 requests correctly', async () => {
    const orgId = `org_${uuid().slice(0, 8)}`;
    const token = await server.mintToken({ orgId });
    const log = new OpLog();
    const units = 1000;
    const work = await prepare(server, token, log, units);
    expect(work).toHaveLength(10_000);
    const started = performance.now();
    for (let i = 0; i < work.length; i += 1000) {
      const batch = work.slice(i, i + 1000);
      const answer = await uploadOk(server, token, log.clientId, batch);
      expect(answer.rejected).toEqual([]);
      expect(answer.applied).toEqual(batch.map((op) => op.op_id));
    }
    const ms = performance.now() - started;
    console.log(
      `[${backend}] 10,000 ops in 10 requests: ${ms.toFixed(0)} ms (${((10_000 / ms) * 1000).toFixed(0)} ops/s)`,
    );

    const q = async (sql: string) => (await server.db.query(sql, [orgId])).rows[0];
    expect(
      await q(`SELECT count(*)::int AS n, count(*) FILTER (WHERE notes = 'patched')::int AS patched,
                      count(*) FILTER (WHERE customer = 'to delete')::int AS undeleted
               FROM schedules WHERE org_id = $1`),
    ).toEqual({ n: 2 * units, patched: 2 * units, undeleted: 0 });
    expect(
      await q(`SELECT count(*)::int AS n, count(DISTINCT number)::int AS numbers, max(number) AS max,
                      count(*) FILTER (WHERE amount_cents = 250)::int AS patched
               FROM invoices WHERE org_id = $1`),
    ).toEqual({ n: 2 * units, numbers: 2 * units, max: 3 * units, patched: units });
    expect(
      await q(`SELECT count(*)::int AS n, count(*) FILTER (WHERE width = 1024)::int AS patched,
                      count(*) FILTER (WHERE bytes = 2000000)::int AS fresh
               FROM photos WHERE org_id = $1`),
    ).toEqual({ n: 2 * units, patched: units, fresh: units });
    // The verdict log (kept for its retention period) holds each op of this client — the setup's
    // and the 10,000 — exactly once, all applied.
    const opsSent = work.at(-1)!.op_id;
    expect(
      await q(`SELECT count(*)::int AS n, count(DISTINCT op_id)::int AS distinct_ops,
                      count(*) FILTER (WHERE verdict = 'applied')::int AS applied
               FROM op_verdicts
               WHERE client_id = (SELECT client_id FROM client_watermarks WHERE org_id = $1)`),
    ).toEqual({ n: opsSent, distinct_ops: opsSent, applied: opsSent });
  }, 120_000);
});

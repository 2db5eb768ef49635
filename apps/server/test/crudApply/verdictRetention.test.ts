// Verdict retention in-process: the job's deletes on a real database (PGlite; Postgres too with
// TEST_DATABASE_URL), and its schedule on a test double of the Fastify instance with simulated time.
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { forgetSettledVerdicts, scheduleVerdictRetention } from '../../src/crudApply/verdictRetention';
import type { Db } from '../../src/db/types';
import { testBackends, testDatabase } from '../../src/testing';

describe.each(testBackends())('forgetSettledVerdicts on %s', (backend) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await testDatabase(backend));
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  /** Verdicts of ops `from..to` of a client aged `days`, its latest batch starting at `settledBelow`. */
  async function verdicts(clientId: string, from: number, to: number, days: number, settledBelow: number) {
    await db.query(
      `INSERT INTO client_watermarks (client_id, user_id, last_op_id, settled_below) VALUES ($1, 'u', $2, $3)
       ON CONFLICT (client_id) DO UPDATE SET settled_below = EXCLUDED.settled_below`,
      [clientId, to, settledBelow],
    );
    await db.query(
      `INSERT INTO op_verdicts (client_id, op_id, verdict, applied_at)
       SELECT $1, n, 'applied', now() - make_interval(days => $4) FROM generate_series($2::int, $3::int) AS n`,
      [clientId, from, to, days],
    );
  }
  const kept = async (clientId: string) =>
    (
      await db.query<{ op_id: number }>('SELECT op_id FROM op_verdicts WHERE client_id = $1 ORDER BY op_id', [
        clientId,
      ])
    ).rows.map((r) => r.op_id);

  it('deletes only verdicts both settled and older than the retention period, and says how many', async () => {
    await verdicts('a', 1, 4, 31, 3);
    await verdicts('a', 5, 6, 29, 3);
    await verdicts('b', 1, 2, 31, 1);
    expect(await forgetSettledVerdicts(db, 30)).toBe(2);
    expect(await kept('a')).toEqual([3, 4, 5, 6]);
    expect(await kept('b')).toEqual([1, 2]);
    expect(await forgetSettledVerdicts(db, 30)).toBe(0);
  });

  it('deletes in chunks of 5 000 until none is left', async () => {
    await verdicts('many', 1, 5_001, 100, 20_000);
    expect(await forgetSettledVerdicts(db, 30)).toBe(5_001);
    expect(await kept('many')).toEqual([]);
  });
});

describe('scheduleVerdictRetention', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Test double of the Fastify instance: its hooks, its log lines, and a database whose job is counted. */
  function fakeApp(deleteAnswer: () => Promise<number>) {
    const hooks = new Map<string, () => Promise<void>>();
    const logs: Array<{ level: string; obj: unknown; msg: string }> = [];
    let runs = 0;
    const db = {
      transaction: async () => {
        runs++;
        return deleteAnswer();
      },
    } as unknown as Db;
    const app = {
      db,
      log: {
        info: (obj: unknown, msg: string) => logs.push({ level: 'info', obj, msg }),
        warn: (obj: unknown, msg: string) => logs.push({ level: 'warn', obj, msg }),
      },
      addHook: (name: string, fn: () => Promise<void>) => hooks.set(name, fn),
    } as unknown as FastifyInstance;
    return { app, hooks, logs, runs: () => runs };
  }

  it('runs once when the app is ready, then every hour, and stops when it closes', async () => {
    vi.useFakeTimers();
    const f = fakeApp(async () => 3);
    scheduleVerdictRetention(f.app, 30);
    expect(f.runs()).toBe(0);
    await f.hooks.get('onReady')?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(f.runs()).toBe(1);
    expect(f.logs).toEqual([
      { level: 'info', obj: { deleted: 3 }, msg: 'verdict retention: settled verdicts deleted' },
    ]);
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000 - 1);
    expect(f.runs()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.runs()).toBe(2);
    await f.hooks.get('onClose')?.();
    await vi.advanceTimersByTimeAsync(3 * 60 * 60 * 1000);
    expect(f.runs()).toBe(2);
  });

  it('logs nothing when nothing was deleted, warns and runs again next time when the job fails', async () => {
    vi.useFakeTimers();
    let answer: () => Promise<number> = async () => 0;
    const f = fakeApp(() => answer());
    scheduleVerdictRetention(f.app, 30);
    await f.hooks.get('onReady')?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(f.logs).toEqual([]);
    const failure = new Error('database gone');
    answer = async () => {
      throw failure;
    };
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(f.logs).toEqual([
      { level: 'warn', obj: { err: failure }, msg: 'verdict retention failed; retried at the next run' },
    ]);
    answer = async () => 1;
    await vi.advanceTimersByTimeAsync(60 * 60 * 1000);
    expect(f.runs()).toBe(3);
    expect(f.logs.at(-1)?.obj).toEqual({ deleted: 1 });
    await f.hooks.get('onClose')?.();
  });

  it('closing waits for a run under way', async () => {
    vi.useFakeTimers();
    let finish!: (n: number) => void;
    const f = fakeApp(() => new Promise<number>((resolve) => (finish = resolve)));
    scheduleVerdictRetention(f.app, 30);
    await f.hooks.get('onReady')?.();
    let closed = false;
    const closing = f.hooks
      .get('onClose')?.()
      .then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    finish(0);
    await closing;
    expect(closed).toBe(true);
  });
});

// The crud uploader in-process, against an in-memory ps_crud and a scripted server (test doubles in
// support/crudFakes). The server and kill tests check the same code end to end; these are fast
// enough for mutation testing and pin down each decision the uploader makes.
import { afterEach, describe, expect, it } from 'vitest';
import { TimeoutError } from '../src/abort';
import { CrudUploader, type CrudUploaderDeps, type UploadAnswer } from '../src/crudUploader';
import { RunBudget } from '../src/runBudget';
import type { SyncSettings } from '../src/settings';
import {
  FakeCrudDb,
  FakeUploadServer,
  fakeApi,
  onlineConnectivity,
  type SentUpload,
  silentLogger,
} from './support/crudFakes';
import { manualClock } from './support/manualClock';

type UploaderSettings = Pick<
  SyncSettings,
  'crudMaxOps' | 'crudMaxBytes' | 'crudServerMaxBytes' | 'requestTimeoutMs'
>;

const budgets: RunBudget[] = [];
afterEach(() => {
  for (const b of budgets.splice(0)) b.dispose();
});

function setup(settings: Partial<UploaderSettings> = {}, extra: Partial<CrudUploaderDeps> = {}) {
  const db = new FakeCrudDb();
  const server = new FakeUploadServer();
  const clock = manualClock();
  const logs: Array<{ level: string; msg: string }> = [];
  const logger = {
    debug: (msg: string) => logs.push({ level: 'debug', msg }),
    info: (msg: string) => logs.push({ level: 'info', msg }),
    warn: (msg: string) => logs.push({ level: 'warn', msg }),
    error: (msg: string) => logs.push({ level: 'error', msg }),
  };
  const uploader = new CrudUploader({
    db: db.asSyncDatabase(),
    api: fakeApi(server, clock),
    connectivity: onlineConnectivity(),
    clock,
    logger,
    settings: {
      crudMaxOps: 100,
      crudMaxBytes: 1_000_000,
      crudServerMaxBytes: 1_000_000,
      requestTimeoutMs: 5_000,
      ...settings,
    },
    ...extra,
  });
  /** An upload under a budget: a plain abort `signal`, or a run's `budget`. */
  const upload = (opts: { signal?: AbortSignal; budget?: RunBudget } = {}) =>
    uploader.upload({ budget: opts.budget ?? new RunBudget(opts.signal ? { signal: opts.signal } : {}) });
  return { db, server, clock, uploader, upload, logs };
}

const opIds = (req: SentUpload | undefined) => req?.batch.map((o) => o.op_id);
const applyAll = (req: SentUpload) => ({
  status: 200,
  body: { applied: req.batch.map((o) => o.op_id), rejected: [] },
});

describe('CrudUploader: batches', () => {
  it('does nothing when ps_crud is empty', async () => {
    const { upload, server } = setup();
    const r = await upload();
    expect(r).toEqual({ status: 'done', requests: 0, applied: 0, rejected: 0, transactions: 0, bytes: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('sends whole transactions within the op limit and completes each answered batch', async () => {
    const { db, server, upload, uploader, clock } = setup({ crudMaxOps: 4 });
    db.addTransaction(1, [5, 5]);
    db.addTransaction(2, [5, 5, 5]);
    db.addTransaction(null, [5]);
    expect(uploader.lastCompletedAt).toBeUndefined();
    const r = await upload();
    // 2 + 3 would be 5 > 4: the second transaction goes in the next request, unsplit.
    expect(server.requests.map(opIds)).toEqual([
      [1, 2],
      [3, 4, 5, 6],
    ]);
    expect(server.requests[0]?.client_id).toBe('client-1');
    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[1]?.batch.map((o) => o.tx_id)).toEqual([2, 2, 2, undefined]);
    expect(r).toEqual({
      status: 'done',
      requests: 2,
      applied: 6,
      rejected: 0,
      transactions: 3,
      bytes: server.requests.reduce((s, q) => s + q.bytes, 0),
    });
    expect(db.rows).toEqual([]);
    expect(db.completions).toBe(2);
    expect(uploader.lastCompletedAt).toBe(clock.now());
  });

  it('fills a request up to exactly the op limit', async () => {
    const { db, server, upload } = setup({ crudMaxOps: 3 });
    db.addTransaction(1, [1, 1]);
    db.addTransaction(null, [1]);
    db.addTransaction(null, [1]);
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1, 2, 3], [4]]);
  });

  it('keeps each request within the byte limit, counting the per-op overhead', async () => {
    // One op is its data ({"v":"…"} = size + 8 bytes) plus 48 bytes of overhead: 156 bytes here.
    const { db, server, upload } = setup({ crudMaxBytes: 312 });
    db.addTransaction(null, [100]);
    db.addTransaction(null, [100]);
    db.addTransaction(null, [100]);
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1, 2], [3]]);
  });

  it('a byte limit one short of two ops sends them one by one', async () => {
    const { db, server, upload } = setup({ crudMaxBytes: 311 });
    db.addTransaction(null, [100]);
    db.addTransaction(null, [100]);
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1], [2]]);
  });

  it('a transaction larger than the op limit goes alone and whole, however many rows it has', async () => {
    const { db, server, upload } = setup({ crudMaxOps: 2 });
    db.addTransaction(7, [1, 1, 1, 1, 1]);
    db.addTransaction(8, [1]);
    const r = await upload();
    expect(server.requests.map(opIds)).toEqual([[1, 2, 3, 4, 5], [6]]);
    expect(r.transactions).toBe(2);
  });

  it('a transaction larger than the op limit goes alone, measured beyond the look-ahead only when it may go on', async () => {
    const { db, server, upload } = setup({ crudMaxOps: 2 });
    db.addTransaction(7, [1, 1, 1]);
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1, 2, 3]]);
    // Three rows for a look-ahead of three: the transaction may go on, so it was measured whole.
    expect(db.wholeTransactionQueries).toBe(1);
  });

  it('transactions within the limits, or a queue ending inside the look-ahead, need no transaction query', async () => {
    const { db, server, upload } = setup({ crudMaxOps: 2 });
    db.addTransaction(7, [1, 1]);
    db.addTransaction(8, [1]);
    db.addTransaction(9, [1]);
    await upload({});
    expect(server.requests.map(opIds)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const big = setup({ crudMaxBytes: 100 });
    big.db.addTransaction(7, [200]);
    await big.upload();
    // Fewer rows than the look-ahead: the queue ends inside it.
    expect(big.db.wholeTransactionQueries).toBe(0);
    expect(db.wholeTransactionQueries).toBe(0);
  });

  it('a multi-op transaction over the byte limit goes alone', async () => {
    // crudMaxOps 2: the look-ahead (3 rows) is full, and it already shows the transaction's end.
    const { db, server, upload } = setup({ crudMaxBytes: 200, crudMaxOps: 2 });
    db.addTransaction(1, [100, 100]);
    db.addTransaction(2, [1]);
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1, 2], [3]]);
    expect(db.wholeTransactionQueries).toBe(0);
  });

  it("a multi-op transaction's bytes are the sum of its ops", async () => {
    // Each op alone fits the byte limit; together (312 bytes) they do not, so the next one waits.
    const { db, server, upload } = setup({ crudMaxBytes: 320, crudMaxOps: 10 });
    db.addTransaction(1, [100, 100]);
    db.addTransaction(2, [1]);
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1, 2], [3]]);
  });

  it('an op without a transaction over the limit goes alone, without a transaction query', async () => {
    const { db, server, upload } = setup({ crudMaxBytes: 100, crudMaxOps: 1 });
    db.addTransaction(null, [500]);
    db.addTransaction(null, [1]);
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1], [2]]);
    expect(db.wholeTransactionQueries).toBe(0);
  });

  it('works without an afterServerApplied hook', async () => {
    const { db, upload } = setup({}, { hooks: {} });
    db.addTransaction(1, [1]);
    expect((await upload()).status).toBe('done');
  });

  it('a single op over the byte limit goes alone', async () => {
    const { db, server, upload } = setup({ crudMaxBytes: 100 });
    db.addTransaction(null, [500]);
    db.addTransaction(null, [1]);
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1], [2]]);
  });

  it('a transaction over the byte limit goes alone, measured by its own bytes', async () => {
    const { db, server, upload } = setup({ crudMaxBytes: 200, crudMaxOps: 2 });
    db.addTransaction(3, [100, 100, 100]);
    db.addTransaction(4, [1]);
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1, 2, 3], [4]]);
  });

  it('throws when the batch PowerSync hands out is not the batch planned (a wiring bug)', async () => {
    const { db, upload, server } = setup();
    db.addTransaction(1, [1, 1]);
    db.batchOverride = () => ({
      crud: [{ clientId: 1, id: 'a', op: 'PUT', table: 't' }],
      haveMore: true,
      complete: async () => {},
    });
    await expect(upload()).rejects.toThrow(/ps_crud changed under the uploader \(planned up to 2, got 1\)/);
    db.batchOverride = () => null;
    await expect(upload()).rejects.toThrow(/got undefined/);
    db.batchOverride = () => ({ crud: [], haveMore: false, complete: async () => {} });
    await expect(upload()).rejects.toThrow(/ps_crud changed/);
    // The planned count but other ops (the head of ps_crud changed) is caught too …
    db.batchOverride = () => ({
      crud: [
        { clientId: 5, id: 'e', op: 'PUT', table: 't' },
        { clientId: 6, id: 'f', op: 'PUT', table: 't' },
      ],
      haveMore: false,
      complete: async () => {},
    });
    await expect(upload()).rejects.toThrow(/planned up to 2, got 6/);
    // … and so is the right last op with a different count.
    db.batchOverride = () => ({
      crud: [
        { clientId: 0, id: 'z', op: 'PUT', table: 't' },
        { clientId: 1, id: 'a', op: 'PUT', table: 't' },
        { clientId: 2, id: 'b', op: 'PUT', table: 't' },
      ],
      haveMore: false,
      complete: async () => {},
    });
    await expect(upload()).rejects.toThrow(/ps_crud changed/);
    expect(server.requests).toHaveLength(0);
  });

  it('calls the afterServerApplied hook with the answer before completing locally', async () => {
    const seen: Array<{ answer: UploadAnswer; left: number }> = [];
    const { db, upload } = setup(
      {},
      {
        hooks: {
          afterServerApplied: (answer) => {
            seen.push({ answer, left: db.rows.length });
          },
        },
      },
    );
    db.addTransaction(1, [1, 1]);
    await upload();
    expect(seen).toEqual([{ answer: { applied: [1, 2], rejected: [] }, left: 2 }]);
  });
});

describe('CrudUploader: the server answer must match the request', () => {
  const bad: Array<[string, (req: SentUpload) => unknown, RegExp]> = [
    ['skips an op', (q) => ({ applied: opIds(q)?.slice(1), rejected: [] }), /1 ops unanswered/],
    ['has no body fields', () => ({}), /missing applied\/rejected/],
    ['has no rejected list', (q) => ({ applied: opIds(q) }), /missing applied\/rejected/],
    ['has no applied list', () => ({ rejected: [] }), /missing applied\/rejected/],
    [
      'answers an op not sent',
      (q) => ({ applied: [...(opIds(q) ?? []), 99], rejected: [] }),
      /op 99 was not sent/,
    ],
    [
      'answers an op twice',
      (q) => ({ applied: opIds(q), rejected: [{ op_id: 1, code: 'x', message: 'x' }] }),
      /op 1 answered twice/,
    ],
  ];
  it.each(bad)('an answer that %s completes nothing and stops the upload', async (_name, answer, problem) => {
    const { db, server, upload, uploader, logs } = setup();
    db.addTransaction(1, [1, 1, 1]);
    server.answer = (req) => ({ status: 200, body: answer(req) });
    const r = await upload();
    expect(r.status).toBe('stopped');
    expect(r.stop?.cause).toBe('server_unavailable');
    expect(r.stop?.reason).toMatch(/^malformed upload answer: /);
    expect(r.stop?.reason).toMatch(problem);
    expect(r).toMatchObject({ requests: 1, applied: 0, rejected: 0, transactions: 0 });
    // Every op is still queued: nothing the server may not have stored is lost.
    expect(db.ids).toEqual([1, 2, 3]);
    expect(db.completions).toBe(0);
    expect(db.rejectionInserts).toEqual([]);
    expect(uploader.lastCompletedAt).toBeUndefined();
    expect(logs).toContainEqual({
      level: 'error',
      msg: 'crud upload: server answer does not match the request',
    });
  });

  it('an answer that is not JSON stops the upload and completes nothing', async () => {
    const { db, server, upload } = setup();
    db.addTransaction(1, [1]);
    server.answer = () => ({ status: 200 });
    const r = await upload();
    expect(r.status).toBe('stopped');
    expect(db.ids).toEqual([1]);
  });
});

describe('CrudUploader: rejections', () => {
  it('copies rejected ops to sync_rejections, then completes them with the applied ones', async () => {
    const { db, server, upload, clock } = setup();
    db.addTransaction(5, [1, 1]);
    db.addTransaction(null, [1]);
    server.answer = () => ({
      status: 200,
      body: {
        applied: [1],
        rejected: [
          { op_id: 2, code: 'bad_value', message: 'no' },
          { op_id: 3, code: 'gone', message: 'm' },
        ],
      },
    });
    const r = await upload();
    expect(r).toMatchObject({ status: 'done', applied: 1, rejected: 2, transactions: 2 });
    expect(db.rows).toEqual([]);
    expect(db.rejectionInserts).toEqual([
      [
        'client-1:2',
        2,
        5,
        'PUT',
        'test_table',
        'row-2',
        JSON.stringify({ data: { v: 'x' } }),
        'bad_value',
        'no',
        clock.now(),
        'client-1:2',
      ],
      [
        'client-1:3',
        3,
        null,
        'PUT',
        'test_table',
        'row-3',
        JSON.stringify({ data: { v: 'x' } }),
        'gone',
        'm',
        clock.now(),
        'client-1:3',
      ],
    ]);
  });

  it('writes nothing to sync_rejections when all ops are applied', async () => {
    const { db, upload, logs } = setup();
    db.addTransaction(1, [1]);
    await upload();
    expect(db.rejectionInserts).toEqual([]);
    expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
  });
});

describe('CrudUploader: 413 Payload Too Large', () => {
  it('halves a request of several transactions until the server takes them', async () => {
    const { db, server, upload, logs } = setup({ crudMaxOps: 8 });
    for (let tx = 1; tx <= 4; tx++) db.addTransaction(tx, [10, 10]);
    server.answer = (req) =>
      req.batch.length > 2 ? { status: 413, body: { error: { message: 'big' } } } : applyAll(req);
    const r = await upload();
    expect(server.requests.map(opIds)).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8],
      [1, 2, 3, 4],
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    expect(r).toMatchObject({ status: 'done', requests: 6, applied: 8, rejected: 0, transactions: 4 });
    expect(db.rows).toEqual([]);
    expect(logs.filter((l) => l.msg === 'crud upload: request too large, halving')).toHaveLength(2);
  });

  it.each([
    ['ops', [10, 10, 10, 1_000], [[1, 2, 3, 4], [1, 2], [1], [2], [3], [4]]],
    ['bytes', [1_000, 10, 10, 10], [[1, 2, 3, 4], [1], [2, 3], [2], [3], [4]]],
  ])('halving bounds the retry by %s, whichever binds', async (_by, sizes, requests) => {
    const { db, server, upload } = setup({ crudMaxOps: 4 });
    for (const [i, size] of sizes.entries()) db.addTransaction(i + 1, [size]);
    server.answer = (req) => (req.batch.length > 1 ? { status: 413 } : applyAll(req));
    await upload();
    expect(server.requests.map(opIds)).toEqual(requests);
  });

  it('halves by bytes as well as by ops', async () => {
    // Three one-op transactions of 156 bytes each: by ops alone the retry would carry all three again.
    const { db, server, upload } = setup({ crudMaxOps: 3 });
    for (let tx = 1; tx <= 3; tx++) db.addTransaction(tx, [100]);
    server.answer = (req, i) => (i === 0 ? { status: 413 } : applyAll(req));
    await upload();
    expect(server.requests.map(opIds)).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('a single transaction the server refuses as too large ends as a local too_large rejection, sent once', async () => {
    const { db, server, upload } = setup({ crudMaxOps: 10 });
    db.addTransaction(1, [1, 1]);
    db.addTransaction(2, [1]);
    server.answer = (req) =>
      req.batch.some((o) => o.tx_id === 1)
        ? { status: 413, body: { error: { message: 'body too big' } } }
        : applyAll(req);
    const r = await upload();
    // First both transactions, then the big one alone (413 again: rejected locally), then the rest.
    expect(server.requests.map(opIds)).toEqual([[1, 2, 3], [1, 2], [3]]);
    expect(r).toMatchObject({ status: 'done', requests: 3, applied: 1, rejected: 2, transactions: 2 });
    expect(db.rows).toEqual([]);
    expect(db.rejectionInserts.map((p) => [p[1], p[7], p[8]])).toEqual([
      [1, 'too_large', 'HTTP 413: body too big'],
      [2, 'too_large', 'HTTP 413: body too big'],
    ]);
  });

  it('a lone transaction answered 413 is rejected locally at once (no halving, no resend)', async () => {
    const { db, server, upload } = setup();
    db.addTransaction(1, [1, 1, 1]);
    server.answer = () => ({ status: 413 });
    const r = await upload();
    expect(server.requests).toHaveLength(1);
    expect(r).toMatchObject({ status: 'done', requests: 1, applied: 0, rejected: 3, transactions: 1 });
    expect(db.rows).toEqual([]);
    expect(db.rejectionInserts.map((p) => p[7])).toEqual(['too_large', 'too_large', 'too_large']);
  });

  it("a network error on a body over the server's limit counts as too large: halves, then rejects locally", async () => {
    const { db, server, upload } = setup({ crudServerMaxBytes: 400 });
    db.addTransaction(1, [200, 200]);
    db.addTransaction(2, [1]);
    // The server closes on a body over its limit before answering: the client sees a network error.
    server.answer = (req) => (req.bytes > 400 ? { networkError: 'fetch failed' } : applyAll(req));
    const r = await upload();
    expect(server.requests.map(opIds)).toEqual([[1, 2, 3], [1, 2], [3]]);
    expect(r).toMatchObject({ status: 'done', applied: 1, rejected: 2 });
    const bytes = server.requests[1]?.bytes;
    expect(db.rejectionInserts.map((p) => [p[1], p[7], p[8]])).toEqual(
      [1, 2].map((id) => [
        id,
        'too_large',
        `${bytes} bytes is over the server's limit of 400 (the request failed on the network)`,
      ]),
    );
  });

  it("a network error on a body within the server's limit is a stop, not too large", async () => {
    const probe = setup();
    probe.db.addTransaction(1, [1]);
    await probe.upload();
    const bytes = probe.server.requests[0]?.bytes ?? 0;
    // A body of exactly the limit is within it.
    const { db, server, upload } = setup({ crudServerMaxBytes: bytes });
    db.addTransaction(1, [1]);
    server.answer = () => ({ networkError: 'socket hang up' });
    const r = await upload();
    expect(r).toMatchObject({ status: 'stopped', stop: { cause: 'server_unavailable' } });
    expect(db.ids).toEqual([1]);
    expect(db.rejectionInserts).toEqual([]);
  });

  it("an HTTP error other than 413 on a body over the server's limit is a stop, not too large", async () => {
    const { db, server, upload } = setup({ crudServerMaxBytes: 10 });
    db.addTransaction(1, [1]);
    server.answer = () => ({ status: 500 });
    const r = await upload();
    expect(r).toMatchObject({ status: 'stopped', stop: { cause: 'server_unavailable', reason: 'HTTP 500' } });
    expect(db.ids).toEqual([1]);
  });

  it('other HTTP errors do not reject anything locally', async () => {
    const { db, server, upload } = setup();
    db.addTransaction(1, [1]);
    server.answer = () => ({ status: 400, body: { error: { code: 'invalid', message: 'nope' } } });
    const r = await upload();
    expect(r.status).toBe('stopped');
    expect(r.stop).toEqual({ cause: 'server_unavailable', reason: 'HTTP 400: nope' });
    expect(db.ids).toEqual([1]);
    expect(db.rejectionInserts).toEqual([]);
  });
});

describe('CrudUploader: stops', () => {
  it('a network error while online stops as server_unavailable, while offline as offline', async () => {
    for (const online of [true, false]) {
      const db = new FakeCrudDb();
      const server = new FakeUploadServer();
      const clock = manualClock();
      const uploader = new CrudUploader({
        db: db.asSyncDatabase(),
        api: fakeApi(server, clock),
        connectivity: onlineConnectivity(online),
        clock,
        logger: silentLogger,
        settings: {
          crudMaxOps: 10,
          crudMaxBytes: 10_000,
          crudServerMaxBytes: 10_000,
          requestTimeoutMs: 5_000,
        },
      });
      db.addTransaction(1, [1]);
      server.answer = () => ({ networkError: 'socket hang up' });
      const r = await uploader.upload();
      expect(r).toMatchObject({
        status: 'stopped',
        requests: 1,
        stop: { cause: online ? 'server_unavailable' : 'offline' },
      });
      expect(db.ids).toEqual([1]);
    }
  });

  it("honours the server's Retry-After in later uploads, and uploads again once it has passed", async () => {
    const { db, server, upload, clock, logs } = setup();
    db.addTransaction(1, [1]);
    server.answer = (req, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '30' } } : applyAll(req));
    const first = await upload();
    expect(first.stop).toMatchObject({ cause: 'server_unavailable', retryAfterMs: 30_000 });
    expect(logs).toContainEqual({ level: 'warn', msg: 'crud upload stopped' });
    clock.jump(29_999);
    const second = await upload();
    expect(second).toEqual({
      status: 'stopped',
      stop: {
        cause: 'server_unavailable',
        reason: 'the server asked us to wait (Retry-After)',
        retryAfterMs: 1,
      },
      requests: 0,
      applied: 0,
      rejected: 0,
      transactions: 0,
      bytes: 0,
    });
    expect(server.requests).toHaveLength(1);
    clock.jump(1);
    const third = await upload();
    expect(third).toMatchObject({ status: 'done', requests: 1, applied: 1 });
  });

  it('an already-aborted signal sends nothing', async () => {
    const { db, server, upload } = setup();
    db.addTransaction(1, [1]);
    const ctl = new AbortController();
    ctl.abort(new Error('user left'));
    const r = await upload({ signal: ctl.signal });
    expect(r).toMatchObject({
      status: 'stopped',
      requests: 0,
      stop: { cause: 'aborted', reason: 'user left' },
    });
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['a string', 'plain', 'plain'],
    ['null', null, 'aborted'],
  ])('an abort whose reason is %s still stops with a reason', async (_kind, reason, expected) => {
    const { db, upload } = setup();
    db.addTransaction(1, [1]);
    const ctl = new AbortController();
    ctl.abort(reason);
    const r = await upload({ signal: ctl.signal });
    expect(r.stop).toEqual({ cause: 'aborted', reason: expected });
  });

  it('an aborted budget stops before looking at the queue, even an empty one', async () => {
    const { upload, db } = setup();
    const ctl = new AbortController();
    ctl.abort(new Error('gone'));
    db.onQuery = () => {
      throw new Error('the queue was read');
    };
    expect((await upload({ signal: ctl.signal })).stop).toEqual({ cause: 'aborted', reason: 'gone' });
  });

  it('a deadline reached while planning stops before the request', async () => {
    const { db, server, upload, clock } = setup();
    db.addTransaction(null, [1]);
    const deadline = new RunBudget({ clock, budgetMs: 60_000, marginMs: 10_000 });
    budgets.push(deadline);
    // The request timeout was taken before the plan's query; the query itself used up the time.
    db.onQuery = () => {
      clock.jump(55_000);
    };
    const r = await upload({ budget: deadline });
    expect(r.stop).toEqual({ cause: 'deadline', reason: 'no time left for another upload request' });
    expect(server.requests).toHaveLength(0);
  });

  it('an abort between requests stops before the next one (a deadline abort as deadline)', async () => {
    const ctl = new AbortController();
    const { db, server, upload } = setup(
      { crudMaxOps: 1 },
      { hooks: { afterServerApplied: () => ctl.abort(new TimeoutError('budget spent')) } },
    );
    db.addTransaction(null, [1]);
    db.addTransaction(null, [1]);
    const r = await upload({ signal: ctl.signal });
    expect(server.requests).toHaveLength(1);
    expect(r).toMatchObject({
      status: 'stopped',
      requests: 1,
      applied: 1,
      stop: { cause: 'deadline', reason: 'budget spent' },
    });
    expect(db.ids).toEqual([2]);
  });

  it('an abort during a request completes nothing: the replay gets the recorded verdicts', async () => {
    const { db, server, upload } = setup();
    db.addTransaction(null, [1]);
    const ctl = new AbortController();
    server.answer = (req) => {
      ctl.abort(new Error('left'));
      return applyAll(req);
    };
    const r = await upload({ signal: ctl.signal });
    expect(r).toMatchObject({
      status: 'stopped',
      requests: 1,
      applied: 0,
      stop: { cause: 'aborted', reason: 'left' },
    });
    expect(db.ids).toEqual([1]);
  });

  it('no request starts inside the deadline safety margin', async () => {
    const { db, server, upload, clock } = setup({ crudMaxOps: 1 });
    db.addTransaction(null, [1]);
    db.addTransaction(null, [1]);
    const deadline = new RunBudget({ clock, budgetMs: 60_000, marginMs: 10_000 });
    budgets.push(deadline);
    server.answer = (req) => {
      clock.jump(50_000); // the first request used up the time outside the margin
      return applyAll(req);
    };
    const r = await upload({ budget: deadline });
    expect(server.requests).toHaveLength(1);
    expect(r).toMatchObject({
      status: 'stopped',
      requests: 1,
      stop: { cause: 'deadline', reason: 'no time left for another upload request' },
    });
  });

  it('a deadline with time left uploads everything', async () => {
    const { db, server, upload, clock } = setup({ crudMaxOps: 1 });
    db.addTransaction(null, [1]);
    db.addTransaction(null, [1]);
    const deadline = new RunBudget({ clock, budgetMs: 60_000, marginMs: 10_000 });
    budgets.push(deadline);
    const r = await upload({ budget: deadline });
    expect(server.requests).toHaveLength(2);
    expect(r.status).toBe('done');
  });

  it('a request timeout of zero (no time left before the margin) sends nothing', async () => {
    const { db, server, upload, clock } = setup();
    db.addTransaction(null, [1]);
    // canStart() is true (just outside the margin) but min(cap, remaining − margin) rounds to 0 here.
    const deadline = {
      canStart: () => true,
      requestTimeoutMs: () => 0,
      stop: () => undefined,
    } as unknown as RunBudget;
    const r = await upload({ budget: deadline });
    expect(r.stop?.cause).toBe('deadline');
    expect(server.requests).toHaveLength(0);
    expect(clock.now()).toBe(1_000_000);
  });

  it("a request's timeout is what the deadline leaves outside its margin, not the cap", async () => {
    const { db, server, upload, clock } = setup({ requestTimeoutMs: 60_000 });
    db.addTransaction(null, [1]);
    const deadline = new RunBudget({ clock, budgetMs: 10_030, marginMs: 10_000 });
    budgets.push(deadline);
    server.answer = (_req, _i, signal) =>
      new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    const r = await upload({ budget: deadline });
    expect(r.stop).toEqual({ cause: 'server_unavailable', reason: 'no answer within 30 ms' });
  });

  it('an empty queue is done even when the deadline has passed', async () => {
    const { upload, clock } = setup();
    const deadline = new RunBudget({ clock, budgetMs: 0, marginMs: 10_000 });
    budgets.push(deadline);
    const r = await upload({ budget: deadline });
    expect(r.status).toBe('done');
  });
});

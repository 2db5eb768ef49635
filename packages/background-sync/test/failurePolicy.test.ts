import { describe, expect, it } from 'vitest';
import { AbortError, TimeoutError } from '../src/abort';
import {
  backoffDelayMs,
  classify,
  nextAttempt,
  parseRetryAfterMs,
  worseStopCause,
} from '../src/failurePolicy';

describe('backoffDelayMs', () => {
  const opts = { baseMs: 30_000, capMs: 3_600_000 };
  it('grows exponentially from the base and stops at the cap', () => {
    const top = (attempt: number) => backoffDelayMs(attempt, { ...opts, random: () => 0.999999 });
    expect(top(1)).toBe(29_999);
    expect(top(2)).toBe(59_999);
    expect(top(5)).toBe(479_999);
    expect(top(20)).toBe(3_599_996);
    expect(top(10_000)).toBe(3_599_996);
  });
  it('is fully jittered: anywhere from 0 up to the ceiling', () => {
    expect(backoffDelayMs(3, { ...opts, random: () => 0 })).toBe(0);
    expect(backoffDelayMs(3, { ...opts, random: () => 0.5 })).toBe(60_000);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfterMs('1.25', now)).toBe(1_250);
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
  });
  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('120abc', now)).toBeUndefined();
    expect(parseRetryAfterMs('a120', now)).toBeUndefined();
  });
});

const connectivity = (online: boolean) => ({ getState: async () => ({ online, metered: false }) });
const online = connectivity(true);

describe('classify', () => {
  it('stops the phase for every failure of a request to our server, charging no item', async () => {
    expect(await classify({ kind: 'signed_out', message: 'no user' }, online)).toEqual({
      fate: 'stop',
      stop: { cause: 'signed_out', reason: 'no user' },
    });
    expect(await classify({ kind: 'timeout', message: 'no answer within 5 ms' }, online)).toEqual({
      fate: 'stop',
      stop: { cause: 'server_unavailable', reason: 'no answer within 5 ms' },
    });
    expect(
      await classify({ kind: 'http', status: 429, message: 'HTTP 429', retryAfterMs: 7_000 }, online),
    ).toEqual({
      fate: 'stop',
      stop: { cause: 'server_unavailable', reason: 'HTTP 429', retryAfterMs: 7_000 },
    });
    const plain = await classify({ kind: 'http', status: 400, message: 'HTTP 400' }, online);
    expect(plain).toEqual({ fate: 'stop', stop: { cause: 'server_unavailable', reason: 'HTTP 400' } });
    expect(Object.keys(plain.stop)).not.toContain('retryAfterMs');
    expect(
      await classify({ kind: 'aborted', reason: new TimeoutError('timed out after 9 ms') }, online),
    ).toEqual({
      fate: 'stop',
      stop: { cause: 'deadline', reason: 'timed out after 9 ms' },
    });
    expect(await classify({ kind: 'aborted', reason: new AbortError('app_active') }, online)).toEqual({
      fate: 'stop',
      stop: { cause: 'aborted', reason: 'app_active' },
    });
  });

  it('reads a network failure as offline or an unreachable server by the connectivity port', async () => {
    const net = { kind: 'network', message: 'ECONNREFUSED' } as const;
    expect(await classify(net, online)).toMatchObject({ stop: { cause: 'server_unavailable' } });
    expect(await classify(net, connectivity(false))).toMatchObject({ stop: { cause: 'offline' } });
    const broken = { getState: () => Promise.reject(new Error('no port')) };
    expect(await classify(net, broken)).toMatchObject({ stop: { cause: 'server_unavailable' } });
  });

  it('gives a malformed answer one fate, wherever it comes from: stop as server_unavailable', async () => {
    for (const message of [
      'upload answer: op 3 answered twice',
      'signing answer: 1 photo(s) left unanswered',
    ]) {
      expect(await classify({ kind: 'malformed', message }, online)).toEqual({
        fate: 'stop',
        stop: { cause: 'server_unavailable', reason: `malformed ${message}` },
      });
    }
  });

  it("charges signing refusals to the item; a rejected row's photo fails at once", async () => {
    expect(await classify({ kind: 'signRejected', code: 'forbidden' }, online)).toEqual({
      fate: 'attempt',
      reason: 'the server refused to sign this photo: forbidden',
    });
    expect(
      await classify({ kind: 'signRejected', code: 'unknown_photo', rowRejection: null }, online),
    ).toEqual({
      fate: 'attempt',
      reason: 'the server does not know this photo: its row was rejected or deleted',
    });
    expect(
      await classify(
        {
          kind: 'signRejected',
          code: 'unknown_photo',
          rowRejection: { code: 'constraint', message: 'bad kind' },
        },
        online,
      ),
    ).toEqual({ fate: 'fail', reason: "the server rejected this photo's row: constraint (bad kind)" });
    expect(
      await classify(
        { kind: 'signRejected', code: 'unknown_photo', rowRejection: { code: 'forbidden', message: null } },
        online,
      ),
    ).toEqual({ fate: 'fail', reason: "the server rejected this photo's row: forbidden" });
  });

  it("reads the media store's answers by what they mean for the item", async () => {
    const store = (status: number, detail = '') => classify({ kind: 'storeRefused', status, detail }, online);
    expect(await store(420)).toEqual({
      fate: 'stop',
      stop: { cause: 'server_unavailable', reason: 'media store HTTP 420' },
    });
    expect(await store(429, 'slow down')).toMatchObject({
      fate: 'stop',
      stop: { reason: 'media store HTTP 429: slow down' },
    });
    expect(await store(408)).toEqual({ fate: 'transient', reason: 'media store HTTP 408' });
    expect(await store(500)).toEqual({ fate: 'transient', reason: 'media store HTTP 500' });
    expect(await store(499)).toEqual({ fate: 'attempt', reason: 'media store HTTP 499' });
    expect(await store(401, 'Stale request - reported time')).toMatchObject({
      fate: 'resign',
      confirmExisting: false,
    });
    expect(await store(400, 'Not a Stale request')).toMatchObject({ fate: 'attempt' });
    expect(await store(400, 'File size too large. Got 2')).toMatchObject({ fate: 'fail' });
    expect(await store(400, 'Image too large: 9x9')).toMatchObject({ fate: 'fail' });
    expect(await store(413, 'File size too large. Got 2')).toMatchObject({ fate: 'attempt' });
    expect(await store(304)).toEqual({ fate: 'transient', reason: 'media store answered 304' });
    expect(await classify({ kind: 'storeUnconfirmed' }, online)).toEqual({
      fate: 'resign',
      reason: 'media store answered success without public_id/version/signature',
      confirmExisting: true,
    });
  });

  it('retries a broken transfer in the pass; a missing file fails at once, an unreadable one is an attempt', async () => {
    expect(await classify({ kind: 'transfer', message: 'socket hang up' }, online)).toEqual({
      fate: 'transient',
      reason: 'socket hang up',
    });
    expect(await classify({ kind: 'unreadable', missing: true, message: 'photos/a.jpg' }, online)).toEqual({
      fate: 'fail',
      reason: 'local file missing: photos/a.jpg',
    });
    expect(await classify({ kind: 'unreadable', missing: true, message: '' }, online)).toEqual({
      fate: 'fail',
      reason: 'local file missing (deleted from the device)',
    });
    expect(await classify({ kind: 'unreadable', missing: false, message: 'EACCES' }, online)).toEqual({
      fate: 'attempt',
      reason: 'local file unreadable: EACCES',
    });
    expect(await classify({ kind: 'overLimit', message: 'too big' }, online)).toEqual({
      fate: 'fail',
      reason: 'too big',
    });
  });
});

describe('nextAttempt', () => {
  const policy = { maxItemAttempts: 3, retryBaseMs: 30_000, retryCapMs: 3_600_000, random: () => 0.5 };
  it('backs off with full jitter until maxItemAttempts, then FAILED with the count', () => {
    expect(nextAttempt({ attempts: 0 }, { fate: 'attempt', reason: 'r' }, policy, 1_000)).toEqual({
      state: 'QUEUED_UPLOAD',
      attempts: 1,
      dueAt: 16_000,
      reason: 'r',
    });
    expect(nextAttempt({ attempts: 1 }, { fate: 'attempt', reason: 'r' }, policy, 1_000)).toEqual({
      state: 'QUEUED_UPLOAD',
      attempts: 2,
      dueAt: 31_000,
      reason: 'r',
    });
    expect(nextAttempt({ attempts: 2 }, { fate: 'attempt', reason: 'r' }, policy, 1_000)).toEqual({
      state: 'FAILED',
      attempts: 3,
      reason: 'r',
    });
  });

  it('fails at once without counting an attempt', () => {
    expect(nextAttempt({ attempts: 1 }, { fate: 'fail', reason: 'gone' }, policy, 1_000)).toEqual({
      state: 'FAILED',
      attempts: 1,
      reason: 'gone',
    });
  });
});

describe('worseStopCause', () => {
  it('keeps the cause of higher precedence', () => {
    expect(worseStopCause(undefined, 'offline')).toBe('offline');
    expect(worseStopCause('deadline', undefined)).toBe('deadline');
    expect(worseStopCause('deadline', 'offline')).toBe('offline');
    expect(worseStopCause('signed_out', 'offline')).toBe('signed_out');
    expect(worseStopCause('aborted', 'aborted')).toBe('aborted');
  });
});

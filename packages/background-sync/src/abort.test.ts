// The abort helpers must work on Hermes, which may lack AbortSignal.any, AbortSignal.timeout and
// AbortSignal.prototype.throwIfAborted: they are deleted before the module is loaded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutModernAbortApis } from '../test/support/withoutModernAbort';

type AbortModule = typeof import('./abort');
let m: AbortModule;
let restore: () => void;

beforeAll(async () => {
  restore = withoutModernAbortApis();
  m = await import('./abort');
});

afterAll(() => restore());

describe('sleep, raceSignal, throwIfAborted', () => {
  it('sleep resolves, or rejects with the abort reason', async () => {
    await expect(m.sleep(1)).resolves.toBeUndefined();
    const c = new AbortController();
    const p = m.sleep(60_000, c.signal);
    c.abort(new m.AbortError('stop'));
    await expect(p).rejects.toThrow('stop');
    await expect(m.sleep(1, c.signal)).rejects.toThrow('stop');
  });

  it('raceSignal settles with the promise, or rejects as soon as the signal aborts', async () => {
    const c = new AbortController();
    await expect(m.raceSignal(Promise.resolve(7), c.signal)).resolves.toBe(7);
    const never = new Promise<number>(() => {});
    const p = m.raceSignal(never, c.signal);
    c.abort('gone');
    await expect(p).rejects.toMatchObject({ name: 'AbortError', message: 'gone' });
  });

  it('throwIfAborted throws the reason only once aborted', () => {
    const c = new AbortController();
    expect(() => m.throwIfAborted(c.signal)).not.toThrow();
    expect(() => m.throwIfAborted(undefined)).not.toThrow();
    c.abort(new TypeError('why'));
    expect(() => m.throwIfAborted(c.signal)).toThrow(TypeError);
  });

  it('isAbortLike recognises abort and timeout errors only', () => {
    expect(m.isAbortLike(new m.AbortError('x'))).toBe(true);
    expect(m.isAbortLike(new m.TimeoutError('x'))).toBe(true);
    expect(m.isAbortLike(new Error('x'))).toBe(false);
  });
});

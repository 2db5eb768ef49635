// The abort helpers must work on Hermes, which may lack AbortSignal.any, AbortSignal.timeout and
// AbortSignal.prototype.throwIfAborted: delete them before the module is loaded.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type AbortModule = typeof import('./abort');
let m: AbortModule;

const saved = {
  any: Object.getOwnPropertyDescriptor(AbortSignal, 'any'),
  timeout: Object.getOwnPropertyDescriptor(AbortSignal, 'timeout'),
  throwIfAborted: Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'throwIfAborted'),
};

beforeAll(async () => {
  Reflect.deleteProperty(AbortSignal, 'any');
  Reflect.deleteProperty(AbortSignal, 'timeout');
  Reflect.deleteProperty(AbortSignal.prototype, 'throwIfAborted');
  expect('any' in AbortSignal).toBe(false);
  expect('timeout' in AbortSignal).toBe(false);
  expect('throwIfAborted' in new AbortController().signal).toBe(false);
  m = await import('./abort');
});

afterAll(() => {
  vi.useRealTimers();
  if (saved.any) Object.defineProperty(AbortSignal, 'any', saved.any);
  if (saved.timeout) Object.defineProperty(AbortSignal, 'timeout', saved.timeout);
  if (saved.throwIfAborted)
    Object.defineProperty(AbortSignal.prototype, 'throwIfAborted', saved.throwIfAborted);
});

describe('anySignal', () => {
  it('aborts with the reason of the first input that aborts', () => {
    const a = new AbortController();
    const b = new AbortController();
    const any = m.anySignal([a.signal, undefined, b.signal]);
    expect(any.signal.aborted).toBe(false);
    b.abort(new Error('b went'));
    a.abort(new Error('a went'));
    expect(any.signal.aborted).toBe(true);
    expect((any.signal.reason as Error).message).toBe('b went');
  });

  it('is aborted at once when an input already is', () => {
    const a = new AbortController();
    a.abort('early');
    const any = m.anySignal([new AbortController().signal, a.signal]);
    expect(any.signal.aborted).toBe(true);
    expect(m.abortReason(any.signal).message).toBe('early');
  });

  it('stops following its inputs once disposed', () => {
    const a = new AbortController();
    const any = m.anySignal([a.signal]);
    any.dispose();
    a.abort();
    expect(any.signal.aborted).toBe(false);
  });
});

describe('timeoutSignal', () => {
  it('aborts with a TimeoutError after the given time, not before', () => {
    vi.useFakeTimers();
    try {
      const t = m.timeoutSignal(100);
      vi.advanceTimersByTime(99);
      expect(t.signal.aborted).toBe(false);
      vi.advanceTimersByTime(1);
      expect(t.signal.aborted).toBe(true);
      expect((t.signal.reason as Error).name).toBe('TimeoutError');
    } finally {
      vi.useRealTimers();
    }
  });

  it('follows its parent, and a disposed one never fires', () => {
    vi.useFakeTimers();
    try {
      const parent = new AbortController();
      const t = m.timeoutSignal(1_000, parent.signal);
      parent.abort(new Error('parent'));
      expect((t.signal.reason as Error).message).toBe('parent');
      const d = m.timeoutSignal(10);
      d.dispose();
      vi.advanceTimersByTime(50);
      expect(d.signal.aborted).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

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

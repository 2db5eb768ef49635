import { describe, expect, it } from 'vitest';
import { AbortError } from '../src/abort';
import { Mutex } from '../src/mutex';

describe('Mutex', () => {
  it('tryAcquire takes a free mutex and refuses a held one until it is released', () => {
    const m = new Mutex();
    const release = m.tryAcquire('run:a');
    expect(release).not.toBeNull();
    expect(m.holder).toBe('run:a');
    expect(m.tryAcquire('run:b')).toBeNull();
    release?.();
    expect(m.isLocked).toBe(false);
    expect(m.tryAcquire('run:b')).not.toBeNull();
  });

  it('acquire waits in FIFO order and hands the mutex over on release', async () => {
    const m = new Mutex();
    const first = m.tryAcquire('first');
    const order: string[] = [];
    const b = m.acquire('b').then((r) => {
      order.push('b');
      return r;
    });
    const c = m.acquire('c').then((r) => {
      order.push('c');
      r();
    });
    first?.();
    const releaseB = await b;
    expect(m.holder).toBe('b');
    expect(order).toEqual(['b']);
    releaseB();
    await c;
    expect(order).toEqual(['b', 'c']);
    expect(m.isLocked).toBe(false);
  });

  it('an aborted wait is withdrawn and never takes the mutex', async () => {
    const m = new Mutex();
    const held = m.tryAcquire('held');
    const ctl = new AbortController();
    const waiting = m.acquire('waiter', ctl.signal);
    ctl.abort(new AbortError('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    held?.();
    expect(m.isLocked).toBe(false);
  });

  it('releasing twice does not free a mutex someone else now holds', async () => {
    const m = new Mutex();
    const a = m.tryAcquire('a');
    const b = m.acquire('b');
    a?.();
    await b;
    a?.();
    expect(m.holder).toBe('b');
  });

  it('withLock releases even when the work throws', async () => {
    const m = new Mutex();
    await expect(
      m.withLock('x', undefined, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(m.isLocked).toBe(false);
  });
});

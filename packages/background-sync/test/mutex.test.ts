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

  it('acquire with an already-aborted signal rejects and does not take a free mutex', async () => {
    const m = new Mutex();
    const ctl = new AbortController();
    ctl.abort(new AbortError('too late'));
    await expect(m.acquire('late', ctl.signal)).rejects.toThrow('too late');
    expect(m.isLocked).toBe(false);
    expect(m.holder).toBeNull();
  });

  it('acquire with an already-aborted signal does not queue behind the holder', async () => {
    const m = new Mutex();
    const held = m.tryAcquire('held');
    const ctl = new AbortController();
    ctl.abort(new AbortError('too late'));
    const outcome = m.acquire('late', ctl.signal).then(
      () => 'granted',
      (e: Error) => e.message,
    );
    held?.();
    expect(await outcome).toBe('too late');
    expect(m.holder).toBeNull();
    expect(m.tryAcquire('next')).not.toBeNull();
  });

  it('an aborted waiter leaves the others queued in order', async () => {
    const m = new Mutex();
    const held = m.tryAcquire('held');
    const ctl = new AbortController();
    const a = m.acquire('a');
    const b = m.acquire('b', ctl.signal);
    const c = m.acquire('c');
    ctl.abort(new AbortError('b left'));
    await expect(b).rejects.toThrow('b left');
    held?.();
    const releaseA = await a;
    expect(m.holder).toBe('a');
    releaseA();
    const releaseC = await c;
    expect(m.holder).toBe('c');
    releaseC();
    expect(m.holder).toBeNull();
  });

  it('a granted waiter no longer reacts to its signal', async () => {
    const m = new Mutex();
    const held = m.tryAcquire('held');
    const ctl = new AbortController();
    const waiting = m.acquire('waiter', ctl.signal);
    held?.();
    const release = await waiting;
    ctl.abort(new AbortError('after the grant'));
    expect(m.holder).toBe('waiter');
    const next = m.acquire('next');
    release();
    (await next)();
    expect(m.isLocked).toBe(false);
  });

  it('an abort reason that is not an Error becomes an AbortError carrying it', async () => {
    const m = new Mutex();
    const ctl = new AbortController();
    ctl.abort('stopped by the user');
    const err = await m.acquire('x', ctl.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).message).toBe('stopped by the user');
  });

  it('withLock holds the mutex while the work runs, returns its value and then frees it', async () => {
    const m = new Mutex();
    let holderDuring: string | null = null;
    const value = await m.withLock('w', undefined, async () => {
      holderDuring = m.holder;
      return 42;
    });
    expect(value).toBe(42);
    expect(holderDuring).toBe('w');
    expect(m.isLocked).toBe(false);
  });

  it('withLock with an aborted signal does not run the work', async () => {
    const m = new Mutex();
    const ctl = new AbortController();
    ctl.abort(new AbortError('no'));
    let ran = false;
    await expect(
      m.withLock('w', ctl.signal, async () => {
        ran = true;
      }),
    ).rejects.toThrow('no');
    expect(ran).toBe(false);
  });

  it('a granted or withdrawn wait leaves no listener on its signal', async () => {
    const m = new Mutex();
    const held = m.tryAcquire('held');
    const ctl = new AbortController();
    const added: unknown[] = [];
    const removed: unknown[] = [];
    const add = ctl.signal.addEventListener.bind(ctl.signal);
    const remove = ctl.signal.removeEventListener.bind(ctl.signal);
    ctl.signal.addEventListener = ((type: string, fn: EventListener, o?: AddEventListenerOptions) => {
      added.push([type, fn]);
      add(type, fn, o);
    }) as typeof ctl.signal.addEventListener;
    ctl.signal.removeEventListener = ((type: string, fn: EventListener) => {
      removed.push([type, fn]);
      remove(type, fn);
    }) as typeof ctl.signal.removeEventListener;
    const waiting = m.acquire('waiter', ctl.signal);
    held?.();
    (await waiting)();
    expect(added).toHaveLength(1);
    expect(removed).toEqual(added);
  });
});

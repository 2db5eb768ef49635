// An in-runtime mutex. It lives in memory, so it dies with the process and can never go stale
// after a kill (a lock row in the database could). Runs use tryAcquire (busy → skipped_busy);
// uploads use acquire, waiting in FIFO order for as long as their signal allows.
import { abortReason } from './abort';

export type Release = () => void;

interface Waiter {
  owner: string;
  grant: (release: Release) => void;
}

export class Mutex {
  private current: string | null = null;
  private readonly waiters: Waiter[] = [];

  /** Who holds the mutex, or null. */
  get holder(): string | null {
    return this.current;
  }

  get isLocked(): boolean {
    return this.current !== null;
  }

  /** Takes the mutex if it is free; null when it is held. */
  tryAcquire(owner: string): Release | null {
    if (this.current !== null) return null;
    return this.grantTo(owner);
  }

  /** Waits for the mutex; rejects with the signal's reason if it aborts first (the wait is withdrawn). */
  acquire(owner: string, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.current === null) return Promise.resolve(this.grantTo(owner));
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        owner,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Runs `fn` while holding the mutex. */
  async withLock<T>(owner: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(owner, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private grantTo(owner: string): Release {
    this.current = owner;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) {
        this.current = next.owner;
        next.grant(this.grantTo(next.owner));
      } else {
        this.current = null;
      }
    };
  }
}

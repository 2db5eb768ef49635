// A run's budget (DESIGN departure 4), the one carrier of everything that bounds a run's work: the
// combined abort (the deadline, the caller's signal, `abort()` when the app turns active), the
// safety margin, each request's timeout, and what an abort means as a stop. Phases take it as
// `ctx.budget`. Like TanStack Query's retryer, one object owns cancellation for all the work
// under it: each request or upload gets a child signal from `child()`, fed by the budget's single
// listener on its parent, so 10+ uploads in flight never stack listeners on one signal (issue 15.2).
// Needs none of AbortSignal.any/timeout/throwIfAborted (Hermes may lack them).
import { AbortError, abortReason, TimeoutError } from './abort';
import type { Clock } from './ports';

/** Why work under a budget ended early because of the budget itself. */
export interface BudgetStop {
  cause: 'deadline' | 'aborted';
  reason: string;
}

/** A signal for one unit of work: aborts with the budget, on its own timeout, or by `abort()`. */
export interface ChildSignal {
  readonly signal: AbortSignal;
  /** This unit's own timeout fired (the budget itself may still go on). */
  readonly timedOut: boolean;
  abort(reason: Error): void;
  /** Detaches it from the budget and clears its timer; call when the unit of work ends. */
  dispose(): void;
}

export interface RunBudgetOptions {
  /**
   * Wall-clock budget, measured on `clock`; omitted, the budget never runs out (work outside a run:
   * the SDK's uploads, a sign-in) and is bounded only by `signal` and each request's timeout.
   */
  budgetMs?: number;
  clock?: Clock;
  /** No new unit of work starts inside this margin before the end. */
  marginMs?: number;
  /** The caller's signal (the OS expiration, a connector session): its abort aborts the budget. */
  signal?: AbortSignal;
}

export class RunBudget {
  readonly endsAt: number;
  readonly marginMs: number;
  private readonly clock: Clock | undefined;
  private readonly controller = new AbortController();
  private readonly children = new Set<(reason: Error) => void>();
  private readonly cleanups: Array<() => void> = [];

  constructor(options: RunBudgetOptions) {
    if (options.budgetMs !== undefined && !options.clock) throw new TypeError('a budget needs a clock');
    this.clock = options.clock;
    this.marginMs = options.marginMs ?? 0;
    this.endsAt =
      options.budgetMs === undefined || !options.clock
        ? Number.POSITIVE_INFINITY
        : options.clock.now() + options.budgetMs;
    this.controller.signal.addEventListener('abort', () => this.fanOut(), { once: true });
    const parent = options.signal;
    if (parent?.aborted) this.controller.abort(abortReason(parent));
    else if (parent) {
      const onAbort = () => this.controller.abort(abortReason(parent));
      parent.addEventListener('abort', onAbort, { once: true });
      this.cleanups.push(() => parent.removeEventListener('abort', onAbort));
    }
    if (options.budgetMs !== undefined && !this.signal.aborted) {
      const ms = options.budgetMs;
      const timer = setTimeout(
        () => this.controller.abort(new TimeoutError(`timed out after ${ms} ms`)),
        Math.max(0, ms),
      );
      this.cleanups.push(() => clearTimeout(timer));
    }
  }

  /** Aborts on the deadline (a TimeoutError), the caller's signal or `abort()`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Ends the work under this budget (the app turned active, shutdown): stop cause `aborted`. */
  abort(reason: string): void {
    this.controller.abort(new AbortError(reason));
  }

  remainingMs(): number {
    return this.clock ? Math.max(0, this.endsAt - this.clock.now()) : this.endsAt;
  }

  /** Whether a new unit of work may start: not aborted and outside the safety margin. */
  canStart(): boolean {
    return !this.signal.aborted && this.remainingMs() > this.marginMs;
  }

  /**
   * The timeout of one request: min(cap, remaining − kept), never negative. `keepMs` is the part of
   * the end left untouched (the margin, unless a last small step may use some of it).
   */
  requestTimeoutMs(capMs: number, keepMs = this.marginMs): number {
    return Math.max(0, Math.min(capMs, this.remainingMs() - keepMs));
  }

  /** A child signal for one unit of work, with its own timeout if given. */
  child(timeoutMs?: number): ChildSignal {
    const controller = new AbortController();
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = (reason: Error) => {
      if (!controller.signal.aborted) controller.abort(reason);
    };
    const dispose = () => {
      clearTimeout(timer);
      this.children.delete(abort);
    };
    if (this.signal.aborted) abort(abortReason(this.signal));
    else {
      this.children.add(abort);
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => {
            timedOut = true;
            abort(new TimeoutError(`no answer within ${timeoutMs} ms`));
          },
          Math.max(0, timeoutMs),
        );
      }
    }
    return {
      signal: controller.signal,
      get timedOut() {
        return timedOut;
      },
      abort,
      dispose,
    };
  }

  /** The stop this budget's abort means, or undefined while it has not aborted. */
  stop(): BudgetStop | undefined {
    return this.signal.aborted ? stopOfAbort(this.signal.reason) : undefined;
  }

  dispose(): void {
    for (const c of this.cleanups.splice(0)) c();
  }

  private fanOut(): void {
    const reason = abortReason(this.signal);
    for (const abort of [...this.children]) abort(reason);
    this.children.clear();
    this.dispose();
  }
}

/**
 * An abort reason as a stop: the budget's deadline aborts with a TimeoutError (→ `deadline`), any
 * other abort (the app turned active, the OS, shutdown) is `aborted`.
 */
export function stopOfAbort(reason: unknown): BudgetStop {
  const cause = reason instanceof Error && reason.name === 'TimeoutError' ? 'deadline' : 'aborted';
  return { cause, reason: reason instanceof Error ? reason.message : String(reason ?? 'aborted') };
}

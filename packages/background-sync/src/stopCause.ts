// Why a phase stops early, from a failed request; and which of two causes wins.
import type { ApiFailure } from './apiClient';
import type { Connectivity } from './ports';
import { OUTCOME_PRECEDENCE, type StopCause } from './runPhase';

export interface Stop {
  cause: StopCause;
  reason: string;
  /** The server asked us to come back after this long (Retry-After). */
  retryAfterMs?: number;
}

/**
 * The stop for a failed request: the run's own abort (its deadline aborts with a TimeoutError),
 * a signed-out user, server trouble, or — for a network error — the connectivity port's word on
 * offline vs. an unreachable server.
 */
export async function stopForFailure(f: ApiFailure, connectivity: Connectivity): Promise<Stop> {
  switch (f.kind) {
    case 'signed_out':
      return { cause: 'signed_out', reason: f.message };
    case 'aborted':
      return { cause: causeOfAbort(f.reason), reason: f.reason.message };
    case 'timeout':
      return { cause: 'server_unavailable', reason: f.message };
    case 'http':
      return {
        cause: 'server_unavailable',
        reason: f.message,
        ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
      };
    case 'network': {
      const state = await connectivity.getState().catch(() => ({ online: true }));
      return { cause: state.online ? 'server_unavailable' : 'offline', reason: f.message };
    }
  }
}

/** A run signal's abort reason as a cause: its deadline aborts with a TimeoutError, anything else is `aborted`. */
export function causeOfAbort(reason: unknown): StopCause {
  return reason instanceof Error && reason.name === 'TimeoutError' ? 'deadline' : 'aborted';
}

/** The cause of higher precedence (DESIGN "Outcomes, by precedence"). */
export function worseStopCause(a: StopCause | undefined, b: StopCause | undefined): StopCause | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return OUTCOME_PRECEDENCE.indexOf(a) <= OUTCOME_PRECEDENCE.indexOf(b) ? a : b;
}

// What a failure means, decided in one place (DESIGN "Photo queue", "One background run"):
// `classify(failure)` says whether it stops the phase (the run's trouble: link, server, user,
// budget), is tried again now, or is charged to the item; `nextAttempt(item, verdict)` says what
// becomes of a charged item (backoff with full jitter, FAILED at maxItemAttempts). Like TanStack
// Query's `retry`/`retryDelay` and PowerSync's AttachmentErrorHandler, callers report what
// happened and this module decides; no phase has rules of its own.
//
// A malformed answer (a body the contract does not allow, from our server or the media store) has
// one fate: the phase stops `server_unavailable`. It says nothing about the item (so never an
// attempt, which would FAIL good photos behind a broken proxy), it is not a bug in this code (so
// not a thrown `failed` run), and the same server would answer every later request alike.
import type { ApiFailure } from './apiClient';
import type { Connectivity } from './ports';
import { stopOfAbort } from './runBudget';
import { OUTCOME_PRECEDENCE, type StopCause } from './runPhase';

export interface Stop {
  cause: StopCause;
  reason: string;
  /** The server asked us to come back after this long (Retry-After). */
  retryAfterMs?: number;
}

/**
 * A failure of a request to our server (CRUD, signing, health, token), or a `malformed` answer
 * from it or the media store (`message` names the answer: "upload answer: op 7 answered twice").
 */
export type ServerFailure = ApiFailure | { kind: 'malformed'; message: string };

/** Why one photo did not get through (besides a ServerFailure of its signing). */
export type ItemFailure =
  /** Signing refused this photo (`unknown_photo`, `forbidden`, …); `rowRejection`: the server's refusal of its row. */
  | { kind: 'signRejected'; code: string; rowRejection?: { code: string; message: string | null } | null }
  /** The media store answered with a status other than success. */
  | { kind: 'storeRefused'; status: number; detail: string }
  /** The media store answered success without what a confirmation needs (an existing asset may be answered so). */
  | { kind: 'storeUnconfirmed' }
  /** The transfer broke: a network error, or no byte progress (stall). */
  | { kind: 'transfer'; message: string }
  /** The local file could not be read (`missing`: it is not there; `message`: its path then, or ''). */
  | { kind: 'unreadable'; message: string; missing: boolean }
  /** The photo is over the media store's limits as the server named them. */
  | { kind: 'overLimit'; message: string };

export type Failure = ServerFailure | ItemFailure;

export type Verdict =
  /** The run's trouble: the phase stops; the item stays queued, nothing charged. */
  | { fate: 'stop'; stop: Stop }
  /** Nothing wrong with the item: sign again and retry within the pass (a few times), never an attempt. */
  | { fate: 'resign'; reason: string; confirmExisting: boolean }
  /** Trouble on the way for this item only: retried within the pass, never an attempt. */
  | { fate: 'transient'; reason: string }
  /** Item-specific: one attempt (backoff, FAILED at maxItemAttempts). */
  | { fate: 'attempt'; reason: string }
  /** Item-specific and final: FAILED at once. */
  | { fate: 'fail'; reason: string };

/** Cloudinary's words for signed params older than an hour. */
const STALE = /^Stale request\b/i;
/** Cloudinary's words for a file over the plan's size limit, and ours for the pixel limit. */
const OVER_LIMIT = /^(File size too large|Image too large)\b/i;

export function classify(
  failure: ServerFailure,
  connectivity: Connectivity,
): Promise<{ fate: 'stop'; stop: Stop }>;
export function classify(failure: Failure, connectivity: Connectivity): Promise<Verdict>;
export async function classify(failure: Failure, connectivity: Connectivity): Promise<Verdict> {
  const stop = (s: Stop): Verdict => ({ fate: 'stop', stop: s });
  switch (failure.kind) {
    case 'signed_out':
      return stop({ cause: 'signed_out', reason: failure.message });
    case 'aborted':
      return stop(stopOfAbort(failure.reason));
    case 'timeout':
      return stop({ cause: 'server_unavailable', reason: failure.message });
    case 'malformed':
      return stop({ cause: 'server_unavailable', reason: `malformed ${failure.message}` });
    case 'http':
      return stop({
        cause: 'server_unavailable',
        reason: failure.message,
        ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
      });
    case 'network': {
      // The connectivity port's word decides offline vs. an unreachable server.
      const state = await connectivity.getState().catch(() => ({ online: true }));
      return stop({ cause: state.online ? 'server_unavailable' : 'offline', reason: failure.message });
    }
    case 'signRejected':
      // Signing waits until no change to the row is pending, so `unknown_photo` means the server
      // rejected the row (FAILED at once, with its reason) or deleted it since (an attempt, so the
      // photo cannot stay queued for ever).
      if (failure.code === 'unknown_photo') {
        return failure.rowRejection
          ? { fate: 'fail', reason: rejectedRowReason(failure.rowRejection) }
          : {
              fate: 'attempt',
              reason: 'the server does not know this photo: its row was rejected or deleted',
            };
      }
      return { fate: 'attempt', reason: `the server refused to sign this photo: ${failure.code}` };
    case 'storeRefused':
      return classifyStoreAnswer(failure.status, failure.detail);
    case 'storeUnconfirmed':
      return {
        fate: 'resign',
        reason: 'media store answered success without public_id/version/signature',
        confirmExisting: true,
      };
    case 'transfer':
      return { fate: 'transient', reason: failure.message };
    case 'unreadable':
      // A missing file will not come back; an unreadable one might (permissions, a busy disk).
      return failure.missing
        ? {
            fate: 'fail',
            reason: `local file missing${failure.message ? `: ${failure.message}` : ' (deleted from the device)'}`,
          }
        : { fate: 'attempt', reason: `local file unreadable: ${failure.message}` };
    case 'overLimit':
      return { fate: 'fail', reason: failure.message };
  }
}

function classifyStoreAnswer(status: number, detail: string): Verdict {
  const reason = `media store HTTP ${status}${detail ? `: ${detail}` : ''}`;
  // Cloudinary's rate limit holds for the account, not this photo: no more uploads this run.
  if (status === 420 || status === 429)
    return { fate: 'stop', stop: { cause: 'server_unavailable', reason } };
  if (status === 408 || status >= 500) return { fate: 'transient', reason };
  if (STALE.test(detail)) return { fate: 'resign', reason, confirmExisting: false };
  if (status === 400 && OVER_LIMIT.test(detail)) return { fate: 'fail', reason };
  if (status >= 400) return { fate: 'attempt', reason };
  return { fate: 'transient', reason: `media store answered ${status}` };
}

export function rejectedRowReason(rejection: { code: string; message: string | null }): string {
  return `the server rejected this photo's row: ${rejection.code}${rejection.message ? ` (${rejection.message})` : ''}`;
}

/** Tries of one item within a pass when the way, not the item, failed (never attempts). */
export const TRIES_PER_PASS = 3;

export interface AttemptPolicy {
  maxItemAttempts: number;
  retryBaseMs: number;
  retryCapMs: number;
  /** Uniform in [0, 1) for the jitter; injectable for tests. */
  random?: () => number;
}

export type NextAttempt =
  | { state: 'FAILED'; attempts: number; reason: string }
  | { state: 'QUEUED_UPLOAD'; attempts: number; dueAt: number; reason: string };

/**
 * What becomes of an item charged by `verdict` (`attempt` or `fail`): FAILED at once, FAILED at
 * maxItemAttempts, else due again after a backoff with full jitter.
 */
export function nextAttempt(
  item: { attempts: number },
  verdict: { fate: 'attempt' | 'fail'; reason: string },
  policy: AttemptPolicy,
  now: number,
): NextAttempt {
  if (verdict.fate === 'fail') return { state: 'FAILED', attempts: item.attempts, reason: verdict.reason };
  const attempts = item.attempts + 1;
  if (attempts >= policy.maxItemAttempts) return { state: 'FAILED', attempts, reason: verdict.reason };
  return {
    state: 'QUEUED_UPLOAD',
    attempts,
    dueAt:
      now +
      backoffDelayMs(attempts, {
        baseMs: policy.retryBaseMs,
        capMs: policy.retryCapMs,
        ...(policy.random ? { random: policy.random } : {}),
      }),
    reason: verdict.reason,
  };
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Delay before retry number `attempt` (1 = the first retry): random in [0, min(cap, base·2^(attempt−1))). */
export function backoffDelayMs(
  attempt: number,
  { baseMs, capMs, random = Math.random }: BackoffOptions,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 52));
  const ceiling = Math.min(capMs, baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * Milliseconds to wait from a Retry-After header (delta-seconds or an HTTP date), or undefined
 * when it is missing or unreadable.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header == null) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The cause of higher precedence (DESIGN "Outcomes, by precedence"). */
export function worseStopCause(a: StopCause | undefined, b: StopCause | undefined): StopCause | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return OUTCOME_PRECEDENCE.indexOf(a) <= OUTCOME_PRECEDENCE.indexOf(b) ? a : b;
}

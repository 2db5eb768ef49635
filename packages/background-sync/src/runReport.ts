// What one run did, and the outcome it earns by precedence (DESIGN "One background run").
import {
  OUTCOME_PRECEDENCE,
  type PhaseResult,
  type RunOutcome,
  type RunTrigger,
  type StopCause,
} from './runPhase';

/** `preflight`: mutex, connectivity, sign-in; then the steps of DESIGN's run in order. */
export type PhaseName = 'preflight' | 'crud' | 'photos' | 'crud_after_photos' | 'download';

export interface PhaseReport extends PhaseResult {
  name: PhaseName;
}

export interface RunReport {
  runId: string;
  trigger: RunTrigger;
  budgetMs: number;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  outcome: RunOutcome;
  /** Detail of the cause that decided the outcome (e.g. "HTTP 503", "the OS reports no network"). */
  reason?: string;
  phases: PhaseReport[];
  /**
   * Sums over phases as `<phase>.<count>`: crud.requests, crud.applied, crud.rejected,
   * crud.transactions, crud.bytes (both CRUD steps), photos.*, download.* as those phases report them.
   */
  counts: Record<string, number>;
  /** Request bytes sent: CRUD bodies plus the photo phase's `bytes` count. */
  bytesSent: number;
  /** Epoch ms before which the server asked not to be called again (Retry-After), if it did. */
  retryAt?: number;
  /** Runs found still `running` at this start and marked `killed`. */
  killedRunsFound: number;
  errors: string[];
}

const COUNT_PREFIX: Record<PhaseName, string> = {
  preflight: 'preflight',
  crud: 'crud',
  crud_after_photos: 'crud',
  photos: 'photos',
  download: 'download',
};

export function sumCounts(phases: PhaseReport[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of phases) {
    for (const [k, v] of Object.entries(p.counts ?? {})) {
      const key = `${COUNT_PREFIX[p.name]}.${k}`;
      counts[key] = (counts[key] ?? 0) + v;
    }
  }
  return counts;
}

/** The highest-precedence cause among the phases; `completed` when none stopped. */
export function decideOutcome(
  phases: PhaseReport[],
  failure?: string,
): { outcome: RunOutcome; reason?: string } {
  if (failure !== undefined) return { outcome: 'failed', reason: failure };
  let best: { cause: StopCause; reason?: string } | undefined;
  for (const p of phases) {
    if (!p.stopCause) continue;
    if (!best || rank(p.stopCause) < rank(best.cause)) best = { cause: p.stopCause, reason: p.reason };
  }
  if (!best) return { outcome: 'completed' };
  return best.reason !== undefined ? { outcome: best.cause, reason: best.reason } : { outcome: best.cause };
}

function rank(o: RunOutcome): number {
  const i = (OUTCOME_PRECEDENCE as readonly string[]).indexOf(o);
  return i < 0 ? OUTCOME_PRECEDENCE.length : i;
}

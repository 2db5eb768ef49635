// The body of the OS background task, shared by the Expo app and the device simulator: find who is
// signed in, open (or reuse) their system, run once, say whether the OS should count it a failure.
// Everything happens inside the budget: a session load that never settles (Clerk's load() with no
// answer) would otherwise hold the OS job for its whole window with no run row — Android's runTasks
// waits for the task with no timeout of its own.
import { abortReason, raceSignal } from './abort';
import type { Clock, Logger } from './ports';
import { RunBudget } from './runBudget';
import type { RunOutcome } from './runPhase';
import type { SyncEngine } from './syncEngine';

export interface TaskSession {
  userId: string;
}

export interface BackgroundTaskDeps<Session extends TaskSession> {
  /** Who is signed in; null when nobody is (or not yet known, e.g. Clerk offline with no cache). */
  loadSession(signal: AbortSignal): Promise<Session | null>;
  /** The runtime's one system for that user (see SystemOwner). */
  systemFor(session: Session): Promise<{ sync: Pick<SyncEngine, 'runBackgroundSync'> }>;
  budgetMs: number;
  clock: Clock;
  logger: Logger;
  /** The OS saying time is up, where it can. */
  signal?: AbortSignal;
}

/** What the task did: a run's outcome, or why no run started. */
export type TaskOutcome = RunOutcome | 'no_session' | 'session_unavailable';

export interface TaskResult {
  outcome: TaskOutcome;
  /** What to tell the OS: only an unexpected failure is one (it must not back off for offline & co.). */
  failed: boolean;
  durationMs: number;
}

export async function runBackgroundTask<Session extends TaskSession>(
  deps: BackgroundTaskDeps<Session>,
): Promise<TaskResult> {
  const { clock, logger } = deps;
  const startedAt = clock.now();
  const budget = new RunBudget({
    clock,
    budgetMs: deps.budgetMs,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const end = (outcome: TaskOutcome, failed = false): TaskResult => ({
    outcome,
    failed,
    durationMs: clock.now() - startedAt,
  });
  try {
    let session: Session | null;
    try {
      session = await raceSignal(deps.loadSession(budget.signal), budget.signal);
    } catch (e) {
      // Typically offline on a cold launch, or no answer in time: expected; the next launch tries again.
      logger.warn('background task: the session could not load; skipping this run', {
        error: String(budget.signal.aborted ? abortReason(budget.signal) : e),
      });
      return end('session_unavailable');
    }
    if (!session) {
      logger.info('background task: nobody is signed in; nothing to sync');
      return end('no_session');
    }
    const system = await raceSignal(deps.systemFor(session), budget.signal);
    const report = await system.sync.runBackgroundSync({
      budgetMs: budget.remainingMs(),
      trigger: 'background',
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    logger.info('background task: run ended', {
      outcome: report.outcome,
      durationMs: report.durationMs,
      ...(report.reason ? { reason: report.reason } : {}),
    });
    return end(report.outcome, report.outcome === 'failed');
  } catch (e) {
    if (budget.signal.aborted) {
      logger.warn('background task: the budget ended before the run could start', {
        error: String(abortReason(budget.signal)),
      });
      return end(deps.signal?.aborted ? 'aborted' : 'deadline');
    }
    logger.error('background task: could not run', {
      error: String(e),
      stack: e instanceof Error ? e.stack : undefined,
    });
    return end('failed', true);
  } finally {
    budget.dispose();
  }
}

// The run log (local-only `sync_runs`): a row is written when a run starts and completed when it
// ends, so a run killed by the OS leaves a `running` row behind; the next start marks it `killed`.
// Only the last `keep` runs are kept.
import type { SqlExecutor, SyncDatabase } from './database';
import type { RunTrigger } from './runPhase';
import type { RunReport } from './runReport';

export type RunState = 'running' | 'finished' | 'killed';

export interface RunSummary {
  id: string;
  trigger: RunTrigger;
  budgetMs: number;
  startedAt: number;
  finishedAt: number | null;
  /** `killed`: the process died during the run (found `running` later, and not this runtime's active run). */
  state: RunState;
  /** The run's outcome; `killed` for a killed run; null while running. */
  outcome: RunReport['outcome'] | 'killed' | null;
  error: string | null;
  report: RunReport | null;
}

/** A `sync_runs` row as SQLite returns it. */
export interface RunRow {
  id: string;
  trigger: string;
  budget_ms: number;
  started_at: number;
  finished_at: number | null;
  state: string;
  outcome: string | null;
  report: string | null;
  error: string | null;
}

/** Marks leftovers of dead runs `killed` and writes the new run's `running` row, in one transaction. */
export async function recordRunStart(
  db: SyncDatabase,
  run: { id: string; trigger: RunTrigger; budgetMs: number; startedAt: number },
): Promise<number> {
  return db.writeTransaction(async (tx) => {
    const killed = await markKilled(tx);
    await tx.execute(
      "INSERT INTO sync_runs (id, trigger, budget_ms, started_at, state) VALUES (?, ?, ?, ?, 'running')",
      [run.id, run.trigger, run.budgetMs, run.startedAt],
    );
    return killed;
  });
}

/** Completes the run's row and prunes the log to the newest `keep` rows. */
export async function recordRunEnd(db: SyncDatabase, report: RunReport, keep: number): Promise<void> {
  await db.writeTransaction(async (tx) => {
    await tx.execute(
      "UPDATE sync_runs SET state = 'finished', finished_at = ?, outcome = ?, report = ?, error = ? WHERE id = ?",
      [report.finishedAt, report.outcome, JSON.stringify(report), report.errors[0] ?? null, report.runId],
    );
    await prune(tx, keep);
  });
}

/** A run that never started (skipped_busy): one finished row, leaving the active run's row alone. */
export async function recordSkippedRun(db: SyncDatabase, report: RunReport, keep: number): Promise<void> {
  await db.writeTransaction(async (tx) => {
    await tx.execute(
      `INSERT INTO sync_runs (id, trigger, budget_ms, started_at, finished_at, state, outcome, report)
       VALUES (?, ?, ?, ?, ?, 'finished', ?, ?)`,
      [
        report.runId,
        report.trigger,
        report.budgetMs,
        report.startedAt,
        report.finishedAt,
        report.outcome,
        JSON.stringify(report),
      ],
    );
    await prune(tx, keep);
  });
}

/** Newest first. A `running` row that is not `activeRunId` belongs to a dead process: shown as killed. */
export async function listRuns(
  db: SqlExecutor,
  limit: number,
  activeRunId: string | null,
): Promise<RunSummary[]> {
  const rows = await db.getAll<RunRow>('SELECT * FROM sync_runs ORDER BY started_at DESC, id DESC LIMIT ?', [
    limit,
  ]);
  return rows.map((r) => {
    const killed = r.state === 'killed' || (r.state === 'running' && r.id !== activeRunId);
    return {
      id: r.id,
      trigger: r.trigger as RunTrigger,
      budgetMs: r.budget_ms,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      state: killed ? 'killed' : (r.state as RunState),
      outcome: killed ? 'killed' : (r.outcome as RunSummary['outcome']),
      error: r.error,
      report: r.report ? (JSON.parse(r.report) as RunReport) : null,
    };
  });
}

async function markKilled(tx: SqlExecutor): Promise<number> {
  const { n } = await tx.get<{ n: number }>("SELECT count(*) AS n FROM sync_runs WHERE state = 'running'");
  if (n > 0)
    await tx.execute("UPDATE sync_runs SET state = 'killed', outcome = 'killed' WHERE state = 'running'");
  return n;
}

async function prune(tx: SqlExecutor, keep: number): Promise<void> {
  await tx.execute(
    'DELETE FROM sync_runs WHERE id NOT IN (SELECT id FROM sync_runs ORDER BY started_at DESC, id DESC LIMIT ?)',
    [keep],
  );
}

import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/types';

/** How often the retention job runs (also once at start). */
const EVERY_MS = 60 * 60 * 1000;
/** Verdicts deleted per statement: short transactions, however much has piled up. */
const CHUNK = 5_000;
// Any constant shared by every server process: with several instances, one runs the job at a time.
const RETENTION_LOCK = 4_242_021;

/**
 * Deletes settled verdicts (below the first op of their client's latest batch: never asked for
 * again) older than the retention period, in chunks. Verdicts are kept that long as the audit log
 * proving each (client, op) was applied once. Returns how many were deleted; 0 when another
 * instance holds the job.
 */
export async function forgetSettledVerdicts(db: Db, retentionDays: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
        RETENTION_LOCK,
      ]);
      if (!rows[0]?.locked) return 0;
      const { rowCount } = await tx.query(
        `DELETE FROM op_verdicts AS v USING (
           SELECT o.client_id, o.op_id FROM op_verdicts AS o JOIN client_watermarks AS w ON w.client_id = o.client_id
           WHERE o.applied_at < now() - make_interval(days => $1) AND o.op_id < w.settled_below
           LIMIT $2) AS old
         WHERE v.client_id = old.client_id AND v.op_id = old.op_id`,
        [retentionDays, CHUNK],
      );
      return rowCount;
    });
    total += deleted;
    if (deleted < CHUNK) return total;
  }
}

/** Runs the retention job at start and every hour, off the request path; stops when the app closes. */
export function scheduleVerdictRetention(app: FastifyInstance, retentionDays: number): void {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running
      .then(() => forgetSettledVerdicts(app.db, retentionDays))
      .then(
        (deleted) => {
          if (deleted > 0) app.log.info({ deleted }, 'verdict retention: settled verdicts deleted');
        },
        (err: unknown) => app.log.warn({ err }, 'verdict retention failed; retried at the next run'),
      );
  };
  app.addHook('onReady', async () => {
    run();
    timer = setInterval(run, EVERY_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await running;
  });
}

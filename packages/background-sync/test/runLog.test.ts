import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRuns, recordRunEnd, recordRunStart, recordSkippedRun } from '../src/runLog';
import type { RunReport } from '../src/runReport';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';

function report(runId: string, startedAt: number, outcome: RunReport['outcome'] = 'completed'): RunReport {
  return {
    runId,
    trigger: 'background',
    budgetMs: 1_000,
    startedAt,
    finishedAt: startedAt + 10,
    durationMs: 10,
    outcome,
    phases: [],
    counts: {},
    bytesSent: 0,
    killedRunsFound: 0,
    errors: outcome === 'failed' ? ['boom'] : [],
  };
}

describe('run log', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase();
  });
  afterEach(async () => {
    await t.close();
  });

  it('a run left `running` reads as killed, and is marked killed at the next start', async () => {
    await recordRunStart(t.syncDb, { id: 'r1', trigger: 'background', budgetMs: 1_000, startedAt: 100 });
    // While r1 is this runtime's active run it is running; to any other reader it is a dead run.
    expect((await listRuns(t.syncDb, 10, 'r1'))[0]).toMatchObject({
      id: 'r1',
      state: 'running',
      outcome: null,
    });
    expect((await listRuns(t.syncDb, 10, null))[0]).toMatchObject({
      id: 'r1',
      state: 'killed',
      outcome: 'killed',
    });

    const killed = await recordRunStart(t.syncDb, {
      id: 'r2',
      trigger: 'manual',
      budgetMs: 1_000,
      startedAt: 200,
    });
    expect(killed).toBe(1);
    await recordRunEnd(t.syncDb, report('r2', 200), 200);
    const runs = await listRuns(t.syncDb, 10, null);
    expect(runs.map((r) => [r.id, r.state, r.outcome])).toEqual([
      ['r2', 'finished', 'completed'],
      ['r1', 'killed', 'killed'],
    ]);
    expect(runs[0]?.report?.runId).toBe('r2');
    const row = await t.db.get<{ state: string }>("SELECT state FROM sync_runs WHERE id = 'r1'");
    expect(row.state).toBe('killed');
  });

  it('keeps only the newest runs', async () => {
    for (let i = 0; i < 7; i++) {
      await recordRunStart(t.syncDb, {
        id: `r${i}`,
        trigger: 'background',
        budgetMs: 1_000,
        startedAt: i * 100,
      });
      await recordRunEnd(t.syncDb, report(`r${i}`, i * 100, i === 3 ? 'failed' : 'completed'), 5);
    }
    await recordSkippedRun(t.syncDb, { ...report('skip', 800), outcome: 'skipped_busy' }, 5);
    const runs = await listRuns(t.syncDb, 100, null);
    expect(runs.map((r) => r.id)).toEqual(['skip', 'r6', 'r5', 'r4', 'r3']);
    expect(runs.find((r) => r.id === 'r3')?.error).toBe('boom');
  });
});

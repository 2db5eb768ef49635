// Trials with server and database faults: each on a server of its own in a child process, SIGKILLed
// at a fault point and restarted on the same PGlite data, or with its media disk full; on Postgres
// (when the suite runs under scripts/with-postgres.sh, as CI does) also the cluster restarted fast
// and immediate while the phone uploads. Seeds are picked from the plans (a pure function of the
// seed), so each trial meets the fault it is here for; the consistency check must hold after it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCluster } from '../src/backend/postgresCluster';
import type { TrialResult } from '../src/trials/runTrial';
import { runTrialOnOwnServer } from '../src/trials/runTrials';
import { planTrial, type ServerFault, type TrialPlan } from '../src/trials/trialPlan';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vhd-server-fault-trials-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The first seed whose one-session plan has `wanted` as its server fault. */
function seedWhere(postgres: boolean, wanted: (f: ServerFault, plan: TrialPlan) => boolean): number {
  for (let seed = 1; ; seed++) {
    const plan = planTrial(seed, { serverFaults: true, postgres });
    const fault = plan.sessions[0]?.serverFault;
    if (plan.sessions.length === 1 && !plan.startOffline && fault && wanted(fault, plan)) return seed;
  }
}

const trial = (seed: number, postgres: PostgresCluster | null = null) =>
  runTrialOnOwnServer({ dir }, seed, postgres);

const photosReachServer = (p: TrialPlan) => p.photos.length > (p.deletedPhotoFile ? 1 : 0);
const ok = (r: TrialResult) => expect(r.failure, `seed ${r.seed}`).toBeUndefined();

describe('trials with server faults', () => {
  it('hold when the server is SIGKILLed after a commit and mid media write, and restarted on its PGlite data', async () => {
    const afterCommit = seedWhere(
      false,
      (f) => f.kind === 'serverKillAt' && f.point === 'upload.afterCommit',
    );
    const midWrite = seedWhere(
      false,
      (f, p) =>
        f.kind === 'serverKillAt' && f.point === 'media.midWrite' && f.nth === 1 && photosReachServer(p),
    );
    const results = await Promise.all([trial(afterCommit), trial(midWrite)]);
    for (const r of results) {
      ok(r);
      // The fault did happen: the server died at its point and came back.
      expect(r.serverRestarts, `seed ${r.seed}`).toBeGreaterThan(0);
    }
  }, 240_000);

  // A full disk of its own needs a tmpfs mount (root, as in CI); elsewhere trials inject ENOSPC instead.
  it.runIf(process.getuid?.() === 0)(
    'hold when the media disk is full, and the photos get through once it is freed',
    async () => {
      const seed = seedWhere(false, (f, p) => f.kind === 'diskFull' && photosReachServer(p));
      const r = await trial(seed);
      ok(r);
      const refused = r.runs.some((run) =>
        run.report?.phases.some((p) => p.name === 'photos' && p.stopCause === 'server_unavailable'),
      );
      expect(refused, 'an upload met the full disk').toBe(true);
      expect(r.report?.checks.find((c) => c.name === 'photos stored')?.checked).toBeGreaterThan(0);
    },
    240_000,
  );

  describe.runIf(process.env.TEST_PGDATA)('on Postgres', () => {
    it('hold when Postgres restarts (fast and immediate) while the phone uploads', async () => {
      const cluster = PostgresCluster.fromEnv();
      const seeds = (['fast', 'immediate'] as const).map((mode) =>
        // Early in the session, so it lands while the phone is at work however fast the session goes.
        seedWhere(true, (f) => f.kind === 'postgresRestart' && f.mode === mode && f.afterMs <= 1_000),
      );
      const results = await Promise.all(seeds.map((seed) => trial(seed, cluster)));
      for (const r of results) ok(r);
      expect(cluster.restarts).toBe(2);
    }, 240_000);
  });
});

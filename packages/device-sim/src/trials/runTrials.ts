// Many trials on one backend: trial i uses seed `seed + i` (replayable alone with `--runs 1 --seed
// <that seed>`), a few at a time, each with its own organization, user, phone, link and gateway.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplicationLag } from '@vhd/powersync-double';
import { MediaDisk } from '../backend/mediaDisk';
import { PostgresCluster } from '../backend/postgresCluster';
import { SimBackend } from '../backend/simBackend';
import type { BrokenEngine } from '../device/protocol';
import { planOptions, runTrial, type TrialContext, type TrialResult } from './runTrial';
import { planTrial, TRIAL_MEDIA_MAX_BYTES } from './trialPlan';

/** The media store's own disk in trials that fill it: photos are at most 400 kB. */
const MEDIA_DISK_BYTES = 8 * 1024 * 1024;

export interface TrialsOptions {
  runs: number;
  seed: number;
  /** Trials in flight at once (default 3). */
  concurrency?: number;
  broken?: BrokenEngine;
  /** The PowerSync double's replication lag (default its own, like the real service's). */
  replicationLagMs?: ReplicationLag;
  /**
   * Server and database faults: each trial gets its own server in a child process (SIGKILLed at
   * random instants and at fault points, restarted on the same data) on PGlite or, with `postgres`,
   * on its own database in the cluster of scripts/with-postgres.sh (restarted fast or immediate).
   */
  serverFaults?: { database: 'pglite' | 'postgres' };
  /** Stop starting trials after the first failure. */
  stopOnFailure?: boolean;
  trace?: (line: string) => void;
  onResult?: (result: TrialResult, done: number) => void;
}

export interface TrialsSummary {
  results: TrialResult[];
  passed: number;
  failed: number;
  durationMs: number;
  /** Restarts of the Postgres cluster (trials with server faults on Postgres). */
  postgresRestarts: number;
  /** Where failing trials left their phones' folders (logs, databases). */
  dir: string;
}

export async function runTrials(options: TrialsOptions): Promise<TrialsSummary> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'vhd-trials-'));
  const postgres = options.serverFaults?.database === 'postgres' ? PostgresCluster.fromEnv() : null;
  const lag = options.replicationLagMs === undefined ? {} : { replicationLagMs: options.replicationLagMs };
  // Without server faults the trials share one in-process server.
  const shared = options.serverFaults
    ? null
    : await SimBackend.start({
        database: 'memory',
        dataDir: join(dir, 'server'),
        mediaMaxBytes: TRIAL_MEDIA_MAX_BYTES,
        ...lag,
      });
  const results: TrialResult[] = [];
  let stop = false;
  try {
    let next = 0;
    const worker = async () => {
      while (!stop && next < options.runs) {
        const seed = options.seed + next++;
        const ctx = {
          dir,
          ...(options.broken ? { broken: options.broken } : {}),
          ...(options.trace ? { trace: options.trace } : {}),
        };
        const result = shared
          ? await runTrial({ ...ctx, backend: shared }, seed)
          : await runTrialOnOwnServer(ctx, seed, postgres, lag);
        results.push(result);
        if (!result.ok && options.stopOnFailure) stop = true;
        options.onResult?.(result, results.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 3) }, worker));
  } finally {
    await shared?.close();
  }
  results.sort((a, b) => a.seed - b.seed);
  const failed = results.filter((r) => !r.ok).length;
  if (failed === 0) await rm(dir, { recursive: true, force: true });
  return {
    results,
    passed: results.length - failed,
    failed,
    durationMs: performance.now() - started,
    postgresRestarts: postgres?.restarts ?? 0,
    dir,
  };
}

/** One trial on a server of its own (a child process); its data is kept when the trial fails. */
export async function runTrialOnOwnServer(
  ctx: Omit<TrialContext, 'backend'>,
  seed: number,
  postgres: PostgresCluster | null,
  lag: { replicationLagMs?: ReplicationLag } = {},
): Promise<TrialResult> {
  const dataDir = join(ctx.dir, `server-${seed}`);
  const plan = planTrial(seed, planOptions({ serverFaults: { postgres, mediaDisk: null } }));
  const mediaDisk = plan.sessions.some((s) => s.serverFault?.kind === 'diskFull')
    ? await MediaDisk.mount(join(dataDir, 'media'), MEDIA_DISK_BYTES)
    : null;
  const databaseUrl = await postgres?.createDatabase(`vhd_trial_${seed}`);
  let ok = false;
  try {
    const backend = await SimBackend.start({
      dataDir,
      serverProcess: databaseUrl ? { databaseUrl } : {},
      mediaMaxBytes: TRIAL_MEDIA_MAX_BYTES,
      ...lag,
    });
    try {
      const result = await runTrial({ ...ctx, backend, serverFaults: { postgres, mediaDisk } }, seed);
      ok = result.ok;
      return result;
    } finally {
      await backend.close();
    }
  } finally {
    await mediaDisk?.unmount();
    if (ok) {
      if (databaseUrl) await postgres?.dropDatabase(databaseUrl);
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

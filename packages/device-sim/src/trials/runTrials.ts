// Many trials on one backend: trial i uses seed `seed + i` (replayable alone with `--runs 1 --seed
// <that seed>`), a few at a time, each with its own organization, user, phone, link and gateway.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplicationLag } from '@vhd/powersync-double';
import { SimBackend } from '../backend/simBackend';
import type { BrokenEngine } from '../device/protocol';
import { runTrial, type TrialResult } from './runTrial';

export interface TrialsOptions {
  runs: number;
  seed: number;
  /** Trials in flight at once (default 3). */
  concurrency?: number;
  broken?: BrokenEngine;
  /** The PowerSync double's replication lag (default its own, like the real service's). */
  replicationLagMs?: ReplicationLag;
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
  /** Where failing trials left their phones' folders (logs, databases). */
  dir: string;
}

export async function runTrials(options: TrialsOptions): Promise<TrialsSummary> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'vhd-trials-'));
  const backend = await SimBackend.start({
    database: 'memory',
    dataDir: join(dir, 'server'),
    ...(options.replicationLagMs === undefined ? {} : { replicationLagMs: options.replicationLagMs }),
  });
  const results: TrialResult[] = [];
  let stop = false;
  try {
    let next = 0;
    const worker = async () => {
      while (!stop && next < options.runs) {
        const seed = options.seed + next++;
        const result = await runTrial(
          {
            backend,
            dir,
            ...(options.broken ? { broken: options.broken } : {}),
            ...(options.trace ? { trace: options.trace } : {}),
          },
          seed,
        );
        results.push(result);
        if (!result.ok && options.stopOnFailure) stop = true;
        options.onResult?.(result, results.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 3) }, worker));
  } finally {
    await backend.close();
  }
  results.sort((a, b) => a.seed - b.seed);
  const failed = results.filter((r) => !r.ok).length;
  if (failed === 0) await rm(dir, { recursive: true, force: true });
  return { results, passed: results.length - failed, failed, durationMs: performance.now() - started, dir };
}

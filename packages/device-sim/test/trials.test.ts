// The crash/fault trials: a few with fixed seeds pass on the real engine, and two deliberately
// broken engines are caught — one completing CRUD before the server answered, one marking a photo
// SYNCED before the store saved it. Seeds are picked from the plans (a pure function of the seed),
// so each broken engine meets the fault it cannot survive.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimBackend } from '../src/backend/simBackend';
import type { BrokenEngine } from '../src/device/protocol';
import { runTrial, type TrialResult } from '../src/trials/runTrial';
import { planTrial, TRIAL_MEDIA_MAX_BYTES, type TrialPlan } from '../src/trials/trialPlan';

let backend: SimBackend;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vhd-trials-test-'));
  backend = await SimBackend.start({
    database: 'memory',
    dataDir: join(dir, 'server'),
    mediaMaxBytes: TRIAL_MEDIA_MAX_BYTES,
  });
});

afterAll(async () => {
  await backend?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The first `n` seeds from 1 whose plan satisfies `wanted`. */
function seedsWhere(n: number, wanted: (plan: TrialPlan) => boolean): number[] {
  const seeds: number[] = [];
  for (let seed = 1; seeds.length < n; seed++) if (wanted(planTrial(seed))) seeds.push(seed);
  return seeds;
}

/** Two trials at a time on the shared backend. */
async function trials(seeds: number[], broken?: BrokenEngine): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  for (let i = 0; i < seeds.length; i += 2) {
    const pair = seeds
      .slice(i, i + 2)
      .map((seed) => runTrial({ backend, dir, ...(broken ? { broken } : {}) }, seed));
    results.push(...(await Promise.all(pair)));
  }
  return results;
}

const failedChecks = (r: TrialResult) =>
  (r.report?.checks ?? []).filter((c) => c.problems.length > 0).map((c) => c.name);

/** A CRUD request of the first session fails with an error status: ops completed early are gone. */
const crudFailsEarly = seedsWhere(2, (p) =>
  p.sessions[0]!.faults.some(
    (f) => f.kind === 'gateway' && f.route === 'upload' && f.fault.kind === 'status',
  ),
);
/** The first session kills the app mid photo upload, and nothing else gets in the way. */
const killMidPhoto = seedsWhere(2, (p) => {
  const s = p.sessions[0]!;
  const uploadable = p.photos.length - (p.deletedPhotoFile ? 1 : 0);
  return (
    s.faults.length === 0 &&
    s.kill.kind === 'point' &&
    s.kill.point === 'midPhotoUpload' &&
    s.kill.nth <= uploadable
  );
});
/** An over-limit photo and a photo of a rejected schedule, taken online in a first session without faults or kills. */
const extraPhotos = seedsWhere(1, (p) => {
  const s = p.sessions[0]!;
  return (
    p.overLimitPhoto &&
    p.photoOnRejectedRow &&
    !p.startOffline &&
    s.faults.length === 0 &&
    s.kill.kind === 'none'
  );
});

describe('trials', () => {
  it('pass on the real engine with fixed seeds, including those that catch the broken engines', async () => {
    const results = await trials([100, ...crudFailsEarly, ...killMidPhoto, ...extraPhotos]);
    for (const r of results) expect(r.failure, `seed ${r.seed}`).toBeUndefined();
    // The trials did exercise something: runs ran, and the mid-upload kills happened.
    expect(results.flatMap((r) => r.runs).length).toBeGreaterThan(results.length * 2);
    expect(results.filter((r) => killMidPhoto.includes(r.seed)).every((r) => r.kills > 0)).toBe(true);
    // The over-limit photo and the photo of the rejected schedule were taken and ended FAILED.
    const extra = results.find((r) => extraPhotos.includes(r.seed))!;
    expect(extra.report?.checks.find((c) => c.name === 'photos stored')?.checked).toBeGreaterThanOrEqual(2);
  }, 240_000);

  it('catch an engine that completes CRUD before the server answered', async () => {
    const results = await trials(crudFailsEarly, 'crud-complete-before-answer');
    for (const r of results) {
      expect(r.ok, `seed ${r.seed}`).toBe(false);
      expect(failedChecks(r)).toContain('ops accounted');
    }
  }, 120_000);

  it('catch an engine that marks a photo SYNCED before the store saved it', async () => {
    const results = await trials(killMidPhoto, 'photo-synced-before-store');
    for (const r of results) {
      expect(r.ok, `seed ${r.seed}`).toBe(false);
      expect(failedChecks(r)).toContain('photos stored');
      expect(r.report?.checks.find((c) => c.name === 'photos stored')?.problems.join('\n')).toMatch(
        /SYNCED on the device but the media store never stored it/,
      );
    }
  }, 120_000);
});

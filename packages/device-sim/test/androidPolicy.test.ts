import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { androidPolicy } from '../src/policies/androidPolicy';
import { type Action, actionArb, createHarness, MIN } from './support/schedulerHarness';

const policy = androidPolicy();
const LIMIT = 10 * MIN;
/** Registered and awake: launches are likely, so the random actions have runs to break. */
const LIKELY_START: Action[] = [{ kind: 'register', intervalMin: 15 }];

describe('Android policy (WorkManager via expo-background-task)', () => {
  it('gives a run the 8 min Android budget inside WorkManager’s 10 min limit', () => {
    expect(policy.budgetMs).toBe(8 * MIN);
    expect(policy.budgetMs).toBeLessThan(LIMIT);
  });

  it('holds its rules over random days of phone life', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(actionArb, { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer({ min: 1_000, max: 20 * MIN }), { minLength: 1, maxLength: 5 }),
        async (seed, actions, durations) => {
          const h = createHarness({ policy, seed, taskDurationsMs: durations });
          const log = await h.run([...LIKELY_START, ...actions]);
          for (const r of log.launches) {
            expect(r.registered).toBe(true);
            // Rescheduled after each run (and skip) with the interval, ≥ 15 min.
            expect(r.launch.at).toBeGreaterThanOrEqual(r.intervalStart + r.intervalMs);
            expect(r.intervalMs).toBeGreaterThanOrEqual(15 * MIN);
            // Network constraint; never while the app is in the foreground.
            expect(r.online).toBe(true);
            expect(r.appState).not.toBe('foreground');
            // Never longer than WorkManager's limit.
            expect(r.launch.expireAt - r.launch.at).toBe(LIMIT);
            if (r.endedAt !== undefined) expect(r.endedAt - r.launch.at).toBeLessThanOrEqual(LIMIT);
            if (r.end === 'expired') expect(r.endedAt).toBe(r.launch.expireAt);
          }
          // Due while the app was in the foreground: consumed without running the task.
          for (const s of log.skips) expect(s.appState).toBe('foreground');
          const ends = log.launches.map((r) => [r.launch.at, r.endedAt ?? Number.POSITIVE_INFINITY] as const);
          for (let i = 1; i < ends.length; i++) expect(ends[i]![0]).toBeGreaterThanOrEqual(ends[i - 1]![1]);
        },
      ),
      { numRuns: 300, seed: 20250106 },
    );
  });

  it('stops a run at 10 minutes if it has not returned', async () => {
    const h = createHarness({ policy, seed: 1, taskDurationsMs: [15 * MIN] });
    await h.run([...LIKELY_START, { kind: 'advance', minutes: 60 }]);
    const first = h.log.launches[0]!;
    expect(first.end).toBe('expired');
    expect(first.endedAt! - first.launch.at).toBe(LIMIT);
  });

  it('skips the task while the app is in the foreground, then runs it a period later in the background', async () => {
    const h = createHarness({ policy, seed: 2, taskDurationsMs: [MIN] });
    await h.run([...LIKELY_START, { kind: 'foreground' }, { kind: 'advance', minutes: 40 }]);
    expect(h.log.launches).toEqual([]);
    expect(h.log.skips.length).toBeGreaterThan(0);
    const lastSkip = h.log.skips.at(-1)!.at;
    await h.run([{ kind: 'background' }, { kind: 'advance', minutes: 60 }]);
    expect(h.log.launches[0]!.launch.at).toBeGreaterThanOrEqual(lastSkip + 15 * MIN);
  });

  it('reschedules after each run: a steady day brings a run about every interval', async () => {
    const h = createHarness({ policy, seed: 3, taskDurationsMs: [2 * MIN] });
    await h.run([
      { kind: 'register', intervalMin: 30 },
      { kind: 'advance', minutes: 24 * 60 },
    ]);
    const runs = h.log.launches;
    // 24 h / (30 min interval + 2 min run + ~2 min start delay) ≈ 42.
    expect(runs.length).toBeGreaterThan(35);
    expect(runs.length).toBeLessThanOrEqual(45);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.launch.at).toBeGreaterThanOrEqual(runs[i - 1]!.endedAt! + 30 * MIN);
    }
  });

  it('waits while offline, and stops a running worker when the network goes', async () => {
    const h = createHarness({ policy, seed: 4, taskDurationsMs: [5 * MIN], initialOnline: false });
    await h.run([...LIKELY_START, { kind: 'advance', minutes: 120 }]);
    expect(h.log.launches).toEqual([]);
    await h.run([{ kind: 'network', online: true }]);
    const next = h.scheduler.nextRun()!;
    await h.clock.advanceTo(next.at + MIN);
    expect(h.scheduler.running()?.id).toBe(next.id);
    await h.run([{ kind: 'network', online: false }]);
    expect(h.log.launches[0]).toMatchObject({ end: 'network-lost', endedAt: next.at + MIN });
  });

  it('unregister then register restarts the delay; registering again alone keeps it', async () => {
    const h = createHarness({ policy, seed: 5, taskDurationsMs: [MIN] });
    await h.run([
      { kind: 'register', intervalMin: 60 },
      { kind: 'advance', minutes: 50 },
    ]);
    const pending = h.scheduler.nextRun()!;
    await h.run([{ kind: 'register', intervalMin: 60 }]);
    expect(h.scheduler.nextRun()).toEqual(pending);

    const t = h.clock.now();
    await h.run([{ kind: 'unregister' }, { kind: 'register', intervalMin: 60 }]);
    expect(h.scheduler.nextRun()!.at).toBeGreaterThanOrEqual(t + 60 * MIN);
    expect(h.scheduler.nextRun()!.at).toBeGreaterThan(pending.at);
  });

  it('unregistering stops a running worker (cancelUniqueWork)', async () => {
    const h = createHarness({ policy, seed: 6, taskDurationsMs: [5 * MIN] });
    await h.run(LIKELY_START);
    const next = h.scheduler.nextRun()!;
    await h.clock.advanceTo(next.at);
    h.scheduler.unregister();
    expect(h.log.launches[0]).toMatchObject({ end: 'cancelled', endedAt: next.at });
    expect(h.scheduler.running()).toBeUndefined();
  });

  it('keeps scheduled work after the app is swiped away, but the running worker dies with the process', async () => {
    const h = createHarness({ policy, seed: 8, taskDurationsMs: [5 * MIN] });
    await h.run(LIKELY_START);
    await h.clock.advanceTo(h.scheduler.nextRun()!.at);
    await h.run([{ kind: 'forceQuit' }, { kind: 'advance', minutes: 3 * 60 }]);
    expect(h.log.launches[0]!.end).toBe('force-quit');
    expect(h.log.launches.length).toBeGreaterThan(1);
    expect(h.log.launches[1]!.appState).toBe('force-quit');
  });

  it('defers work in Doze (idle, unplugged) far more than while awake', async () => {
    const firstDelay = async (idle: boolean) => {
      const h = createHarness({ policy, seed: 10, taskDurationsMs: [MIN] });
      await h.run([
        { kind: 'device', idle, charging: false },
        { kind: 'register', intervalMin: 15 },
      ]);
      const delays: number[] = [];
      for (let i = 0; i < 50; i++) {
        h.scheduler.setDevice({ idle }); // each change re-draws the start delay
        delays.push(h.scheduler.nextRun()!.at - 15 * MIN);
      }
      return delays.reduce((a, b) => a + b, 0) / delays.length;
    };
    expect(await firstDelay(true)).toBeGreaterThan(10 * (await firstDelay(false)));
  });

  it('replays the same day from the same seed, and a different one from another', async () => {
    const day = async (seed: number) => {
      const h = createHarness({ policy, seed, taskDurationsMs: [3 * MIN] });
      await h.run([
        { kind: 'register', intervalMin: 15 },
        { kind: 'device', idle: true, charging: false },
        { kind: 'advance', minutes: 12 * 60 },
      ]);
      return h.log.events;
    };
    expect(await day(42)).toEqual(await day(42));
    expect(await day(42)).not.toEqual(await day(43));
  });
});

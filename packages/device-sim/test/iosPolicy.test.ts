import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IOS_TASK_IDENTIFIER, iosPolicy } from '../src/policies/iosPolicy';
import { type Action, actionArb, createHarness, MIN } from './support/schedulerHarness';

const HOUR = 60 * MIN;
const policy = iosPolicy();
/** Registered, idle and charging: launches are likely, so the random actions have runs to break. */
const LIKELY_START: Action[] = [
  { kind: 'device', idle: true, charging: true },
  { kind: 'register', intervalMin: 15 },
];

describe('iOS policy (BGProcessingTask via expo-background-task)', () => {
  it('uses expo’s single processing identifier and the 3 min iOS budget', () => {
    expect(IOS_TASK_IDENTIFIER).toBe('com.expo.modules.backgroundtask.processing');
    expect(policy.budgetMs).toBe(3 * MIN);
  });

  it('holds its rules over random days of phone life', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(actionArb, { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 1_000, max: 20 * MIN }), { minLength: 1, maxLength: 5 }),
        async (seed, actions, durations) => {
          const h = createHarness({ policy, seed, taskDurationsMs: durations });
          const log = await h.run([...LIKELY_START, ...actions]);
          for (const r of log.launches) {
            expect(r.registered).toBe(true);
            // Never before minimumInterval (≥ 15 min) after registration or the last run.
            expect(r.launch.at).toBeGreaterThanOrEqual(r.intervalStart + r.intervalMs);
            expect(r.intervalMs).toBeGreaterThanOrEqual(15 * MIN);
            // Only with network, only in the background, never after a force-quit until opened.
            expect(r.online).toBe(true);
            expect(r.appState).toBe('background');
            expect(r.forceQuitSinceOpened).toBe(false);
            // An expiry, when it comes, comes at the launch's expireAt and nowhere else.
            if (r.end === 'expired') expect(r.endedAt).toBe(r.launch.expireAt);
            // Losing network does not end an iOS task.
            expect(r.end).not.toBe('network-lost');
          }
          expect(log.skips).toEqual([]);
          // One task at a time.
          const ends = log.launches.map((r) => [r.launch.at, r.endedAt ?? Number.POSITIVE_INFINITY] as const);
          for (let i = 1; i < ends.length; i++) expect(ends[i]![0]).toBeGreaterThanOrEqual(ends[i - 1]![1]);
        },
      ),
      { numRuns: 300, seed: 20250106 },
    );
  });

  it('launches more often when idle and charging (overnight) than in use', async () => {
    const day = async (idleCharging: boolean) => {
      const h = createHarness({ policy, seed: 7, taskDurationsMs: [30_000] });
      await h.run([
        { kind: 'device', idle: idleCharging, charging: idleCharging },
        { kind: 'register', intervalMin: 15 },
        { kind: 'advance', minutes: 24 * 60 },
      ]);
      return h.log.launches.length;
    };
    const overnight = await day(true);
    const inUse = await day(false);
    expect(overnight).toBeGreaterThan(2 * inUse);
    expect(inUse).toBeGreaterThan(0);
  });

  it('expires some launches before the app’s budget, without any other signal', async () => {
    const h = createHarness({ policy, seed: 11, taskDurationsMs: [policy.budgetMs] });
    await h.run([
      { kind: 'device', idle: true, charging: true },
      { kind: 'register', intervalMin: 15 },
      { kind: 'advance', minutes: 48 * 60 },
    ]);
    const early = h.log.launches.filter((r) => r.launch.expireAt < r.launch.at + r.launch.budgetMs);
    expect(early.length).toBeGreaterThan(0);
    expect(early.every((r) => r.end === 'expired' && r.endedAt === r.launch.expireAt)).toBe(true);
    expect(h.log.launches.some((r) => r.end === 'finished')).toBe(true);
  });

  it('runs nothing after a force-quit until the app is opened again', async () => {
    const h = createHarness({ policy, seed: 3, taskDurationsMs: [10_000] });
    const actions: Action[] = [
      { kind: 'device', idle: true, charging: true },
      { kind: 'register', intervalMin: 15 },
      { kind: 'forceQuit' },
      { kind: 'advance', minutes: 12 * 60 },
    ];
    await h.run(actions);
    expect(h.log.launches).toEqual([]);
    expect(h.scheduler.nextRun()).toBeUndefined();
    await h.run([{ kind: 'foreground' }, { kind: 'background' }, { kind: 'advance', minutes: 12 * 60 }]);
    expect(h.log.launches.length).toBeGreaterThan(0);
    expect(() => {
      h.scheduler.forceQuit();
      h.scheduler.background();
    }).toThrow(/opened/);
  });

  it('waits while offline and launches once the network is back', async () => {
    const h = createHarness({ policy, seed: 5, taskDurationsMs: [10_000], initialOnline: false });
    await h.run([
      { kind: 'device', idle: true, charging: true },
      { kind: 'register', intervalMin: 15 },
      { kind: 'advance', minutes: 6 * 60 },
    ]);
    expect(h.log.launches).toEqual([]);
    const back = h.clock.now();
    await h.run([
      { kind: 'network', online: true },
      { kind: 'advance', minutes: 6 * 60 },
    ]);
    expect(h.log.launches[0]!.launch.at).toBeGreaterThanOrEqual(back);
  });

  it('unregistering withdraws the pending request but not a running task', async () => {
    const h = createHarness({ policy, seed: 9, taskDurationsMs: [2 * MIN] });
    await h.run([
      { kind: 'device', idle: true, charging: true },
      { kind: 'register', intervalMin: 15 },
    ]);
    const first = h.scheduler.nextRun()!;
    await h.clock.advanceTo(first.at);
    expect(h.scheduler.running()?.id).toBe(first.id);
    h.scheduler.unregister();
    expect(h.scheduler.running()?.id).toBe(first.id);
    await h.clock.advanceBy(HOUR);
    expect(h.log.launches).toHaveLength(1);
    expect(h.log.launches[0]!.end).toMatch(/finished|expired/);
    expect(h.scheduler.nextRun()).toBeUndefined();
  });

  it('keeps the pending request when registered again (expo-background-task ≥ 56)', async () => {
    const h = createHarness({ policy, seed: 13, taskDurationsMs: [10_000] });
    await h.run([{ kind: 'register', intervalMin: 30 }]);
    const pending = h.scheduler.nextRun();
    await h.run([
      { kind: 'advance', minutes: 10 },
      { kind: 'register', intervalMin: 30 },
    ]);
    expect(h.scheduler.nextRun()).toEqual(pending);
  });
});

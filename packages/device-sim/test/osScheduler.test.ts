import { describe, expect, it } from 'vitest';
import { OsScheduler, type SchedulerEvent } from '../src/osScheduler';
import { androidPolicy } from '../src/policies/androidPolicy';
import { iosPolicy } from '../src/policies/iosPolicy';
import { SeededRandom } from '../src/seededRandom';
import { SimClock } from '../src/simClock';

const MIN = 60_000;

function setup(policy = androidPolicy()) {
  const clock = new SimClock({ start: 0 });
  const scheduler = new OsScheduler({ policy, clock, random: SeededRandom.fromSeed(1) });
  const events: SchedulerEvent[] = [];
  const off = scheduler.onEvent((e) => events.push(e));
  return { clock, scheduler, events, off };
}

describe('OsScheduler', () => {
  it('refuses a nonsensical interval and raises a short one to the platform minimum of 15 min', () => {
    const { scheduler } = setup(iosPolicy());
    expect(() => scheduler.register({ minimumIntervalMin: 0 })).toThrow(RangeError);
    expect(() => scheduler.register({ minimumIntervalMin: Number.NaN })).toThrow(RangeError);
    expect(scheduler.isRegistered()).toBe(false);
    scheduler.register({ minimumIntervalMin: 5 });
    expect(scheduler.nextRun()!.at).toBeGreaterThanOrEqual(15 * MIN);
  });

  it('plans nothing until registered, and launches with the policy’s budget', async () => {
    const { clock, scheduler, events } = setup();
    await clock.advanceBy(60 * MIN);
    expect(scheduler.nextRun()).toBeUndefined();
    expect(events).toEqual([]);
    scheduler.register({ minimumIntervalMin: 15 });
    const planned = scheduler.nextRun()!;
    await clock.advanceTo(planned.at);
    expect(events).toEqual([{ type: 'launch', launch: planned }]);
    expect(planned.budgetMs).toBe(8 * MIN);
    expect(Number.isInteger(planned.at) && Number.isInteger(planned.expireAt)).toBe(true);
  });

  it('ignores finished() for a launch the OS already stopped, and stops notifying after unsubscribe', async () => {
    const { clock, scheduler, events, off } = setup();
    scheduler.register({ minimumIntervalMin: 15 });
    const first = scheduler.nextRun()!;
    await clock.advanceTo(first.expireAt);
    expect(events.map((e) => e.type)).toEqual(['launch', 'stopped']);
    const next = scheduler.nextRun();
    scheduler.finished(first.id);
    expect(scheduler.nextRun()).toEqual(next);
    off();
    await clock.advanceBy(60 * MIN);
    expect(events).toHaveLength(2);
  });
});

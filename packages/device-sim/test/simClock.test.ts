import { describe, expect, it } from 'vitest';
import { DEFAULT_SIM_START, SimClock } from '../src/simClock';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('SimClock, discrete mode', () => {
  it('stands still until advanced, then resolves sleeps at their virtual time', async () => {
    const clock = new SimClock();
    expect(clock.now()).toBe(DEFAULT_SIM_START);
    let wokeAt: number | undefined;
    void clock.sleep(10 * MIN).then(() => {
      wokeAt = clock.now();
    });
    await clock.advanceBy(10 * MIN - 1);
    expect(wokeAt).toBeUndefined();
    await clock.advanceBy(1);
    expect(wokeAt).toBe(DEFAULT_SIM_START + 10 * MIN);
  });

  it('fires timers in time order, ties in scheduling order, each at its own time', async () => {
    const clock = new SimClock({ start: 0 });
    const fired: string[] = [];
    const log = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.schedule(300, log('c'));
    clock.schedule(100, log('a'));
    clock.schedule(200, log('b1'));
    clock.schedule(200, log('b2'));
    const cancelD = clock.schedule(250, log('d'));
    cancelD();
    await clock.advanceTo(1000);
    expect(fired).toEqual(['a@100', 'b1@200', 'b2@200', 'c@300']);
    expect(clock.now()).toBe(1000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs a loop of sleeps (a day of hourly work) within one advance', async () => {
    const clock = new SimClock({ start: 0 });
    const woke: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 24; i++) {
        await clock.sleep(HOUR);
        await Promise.resolve(); // some async work between sleeps
        woke.push(clock.now() / HOUR);
      }
    })();
    await clock.advanceBy(24 * HOUR);
    await loop;
    expect(woke).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it('runUntil stops at the timer that made the condition true', async () => {
    const clock = new SimClock({ start: 0 });
    let count = 0;
    for (const at of [10, 20, 30, 40]) clock.schedule(at, () => count++);
    expect(await clock.runUntil(() => count === 2, 1000)).toBe(true);
    expect(clock.now()).toBe(20);
    expect(await clock.runUntil(() => count === 99, 35)).toBe(false);
    expect(clock.now()).toBe(35);
    expect(clock.nextTimerAt()).toBe(40);
  });

  it('rejects a sleep whose signal aborts, and removes its timer', async () => {
    const clock = new SimClock({ start: 0 });
    const controller = new AbortController();
    const sleeping = clock.sleep(MIN, controller.signal);
    expect(clock.pendingTimers).toBe(1);
    controller.abort(new Error('run aborted'));
    await expect(sleeping).rejects.toThrow('run aborted');
    expect(clock.pendingTimers).toBe(0);
    await expect(clock.sleep(MIN, controller.signal)).rejects.toThrow('run aborted');
  });

  it('refuses to go back in time or to advance twice at once', async () => {
    const clock = new SimClock({ start: 1000 });
    await expect(clock.advanceTo(999)).rejects.toThrow(RangeError);
    const first = clock.advanceBy(10);
    await expect(clock.advanceBy(10)).rejects.toThrow(/already advancing/);
    await first;
    expect(clock.now()).toBe(1010);
  });
});

describe('SimClock, real-time mode', () => {
  it('lets virtual time flow at speed × real time and fires timers queued before the switch', async () => {
    const clock = new SimClock({ start: 0 });
    let fired = false;
    clock.schedule(5 * MIN, () => {
      fired = true;
    });
    clock.realtime(10_000); // 5 virtual minutes = 30 ms real
    await clock.sleep(6 * MIN);
    expect(fired).toBe(true);
    expect(clock.now()).toBeGreaterThanOrEqual(6 * MIN);
    await expect(clock.advanceBy(1)).rejects.toThrow(/discrete mode/);
    clock.discrete();
  });

  it('freezes time when switched back to discrete, without a jump either way', async () => {
    const clock = new SimClock({ start: 0 });
    clock.realtime(1000);
    await clock.sleep(20_000);
    clock.discrete();
    const frozen = clock.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(clock.now()).toBe(frozen);
    clock.realtime(1);
    expect(clock.now() - frozen).toBeLessThan(50);
    expect(clock.now()).toBeGreaterThanOrEqual(frozen);
    clock.discrete();
  });

  it('refuses a nonsensical speed', () => {
    const clock = new SimClock();
    expect(() => clock.realtime(0)).toThrow(RangeError);
    expect(() => clock.realtime(Number.NaN)).toThrow(RangeError);
  });
});

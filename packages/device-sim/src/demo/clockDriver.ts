// Moves the simulation's clock: while any device is doing real work (a command, a run) virtual time
// flows at real speed, so requests, timeouts and budgets are real; while nothing is in flight it
// jumps to the next timer (a technician's next step, an OS launch), so a shift takes seconds.
import type { Activity } from '../activity';
import type { SimClock } from '../simClock';

export async function driveClock(
  clock: SimClock,
  activity: Activity,
  done: () => boolean,
  limit: number,
): Promise<void> {
  while (!done() && clock.now() < limit) {
    if (activity.busy) {
      if (clock.getMode().kind !== 'realtime') clock.realtime(1);
      await activity.idle();
      continue;
    }
    if (clock.getMode().kind !== 'discrete') clock.discrete();
    const busyAgain = await clock.runUntil(() => activity.busy || done(), limit);
    if (!busyAgain) break;
  }
  clock.discrete();
}

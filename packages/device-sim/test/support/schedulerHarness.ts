// Drives an OsScheduler through a sequence of phone-life actions on a discrete SimClock and keeps
// its own record of what the rules depend on (when the interval started, app state, network), so
// tests check the scheduler against that record rather than against its internals.
import fc from 'fast-check';
import {
  type AppState,
  type Launch,
  OsScheduler,
  type PlatformPolicy,
  type SchedulerEvent,
  type StopReason,
} from '../../src/osScheduler';
import { SeededRandom } from '../../src/seededRandom';
import { SimClock } from '../../src/simClock';

export const MIN = 60_000;

export type Action =
  | { kind: 'advance'; minutes: number }
  | { kind: 'foreground' }
  | { kind: 'background' }
  | { kind: 'forceQuit' }
  | { kind: 'network'; online: boolean }
  | { kind: 'device'; idle: boolean; charging: boolean }
  | { kind: 'register'; intervalMin: number }
  | { kind: 'unregister' };

// Weighted towards time passing (short steps land inside runs, long ones cover the day) and
// towards the app sitting in the background, so launches, expiries and stops all happen often.
export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      minutes: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 10, max: 360 })),
    }),
  },
  fc.constant({ kind: 'foreground' as const }),
  { weight: 3, arbitrary: fc.constant({ kind: 'background' as const }) },
  fc.constant({ kind: 'forceQuit' as const }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('network' as const), online: fc.boolean() }) },
  fc.record({ kind: fc.constant('device' as const), idle: fc.boolean(), charging: fc.boolean() }),
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      intervalMin: fc.integer({ min: 1, max: 120 }),
    }),
  },
  fc.constant({ kind: 'unregister' as const }),
);

/** What the harness knew at the moment of a launch. */
export interface LaunchRecord {
  launch: Launch;
  appState: AppState;
  online: boolean;
  registered: boolean;
  /** Start of the current interval: registration, or the end of the last launch or skip. */
  intervalStart: number;
  intervalMs: number;
  /** A force-quit happened and the app was not opened since. */
  forceQuitSinceOpened: boolean;
  /** When the launch ended and how (`finished` = the task returned). */
  endedAt?: number;
  end?: StopReason | 'finished';
}

export interface DayLog {
  launches: LaunchRecord[];
  skips: Array<{ at: number; appState: AppState }>;
  events: SchedulerEvent[];
}

export interface HarnessOptions {
  policy: PlatformPolicy;
  seed: number;
  /** How long each task takes before it returns (cycled through), in ms. */
  taskDurationsMs: number[];
  initialOnline?: boolean;
}

export function createHarness({ policy, seed, taskDurationsMs, initialOnline = true }: HarnessOptions) {
  const clock = new SimClock({ start: 0 });
  const scheduler = new OsScheduler({
    policy,
    clock,
    random: SeededRandom.fromSeed(seed),
    initial: { online: initialOnline },
  });
  const log: DayLog = { launches: [], skips: [], events: [] };
  let appState: AppState = 'background';
  let online = initialOnline;
  let registeredInterval: number | undefined;
  let intervalStart = 0;
  let forceQuitSinceOpened = false;
  let taskIndex = 0;

  const endLaunch = (record: LaunchRecord, end: LaunchRecord['end']) => {
    record.endedAt = clock.now();
    record.end = end;
    intervalStart = clock.now();
  };

  scheduler.onEvent((event) => {
    log.events.push(event);
    if (event.type === 'launch') {
      const record: LaunchRecord = {
        launch: event.launch,
        appState,
        online,
        registered: registeredInterval !== undefined,
        intervalStart,
        intervalMs: registeredInterval ?? Number.NaN,
        forceQuitSinceOpened,
      };
      log.launches.push(record);
      const duration = taskDurationsMs[taskIndex++ % taskDurationsMs.length]!;
      clock.schedule(clock.now() + duration, () => {
        if (record.end) return;
        endLaunch(record, 'finished');
        scheduler.finished(event.launch.id);
      });
    } else if (event.type === 'stopped') {
      const record = log.launches.find((r) => r.launch.id === event.launch.id)!;
      endLaunch(record, event.reason);
    } else {
      log.skips.push({ at: event.at, appState });
      intervalStart = clock.now();
    }
  });

  async function apply(action: Action): Promise<void> {
    switch (action.kind) {
      case 'advance':
        return clock.advanceBy(action.minutes * MIN);
      case 'foreground':
        appState = 'foreground';
        forceQuitSinceOpened = false;
        return scheduler.foreground();
      case 'background':
        if (appState === 'force-quit') return; // not a possible transition: the app is not running
        appState = 'background';
        return scheduler.background();
      case 'forceQuit':
        appState = 'force-quit';
        forceQuitSinceOpened = true;
        return scheduler.forceQuit();
      case 'network':
        online = action.online;
        return scheduler.networkChanged(action.online);
      case 'device':
        return scheduler.setDevice({ idle: action.idle, charging: action.charging });
      case 'register':
        if (registeredInterval === undefined) {
          registeredInterval = Math.max(action.intervalMin, 15) * MIN;
          intervalStart = clock.now();
        }
        return scheduler.register({ minimumIntervalMin: action.intervalMin });
      case 'unregister':
        registeredInterval = undefined;
        return scheduler.unregister();
    }
  }

  async function run(actions: Action[]): Promise<DayLog> {
    for (const a of actions) await apply(a);
    return log;
  }

  return { clock, scheduler, log, apply, run };
}

// The phone's OS deciding when the app's background task runs, as expo-background-task uses it:
// one task, registered with `minimumInterval` (minutes), launched when the platform chooses and
// stopped when the platform chooses. The mechanics are shared; the platform's rules are a policy
// (policies/iosPolicy.ts, policies/androidPolicy.ts), each with its facts cited there.
//
// Time comes from the SimClock and chance from a SeededRandom, so a seed replays the same day.
// Usage: create it with a policy, feed it the app's lifecycle (foreground/background/forceQuit),
// network and device state, register/unregister as the app does, listen for events, and call
// finished(launch.id) when the task's promise settles. A 'stopped' event means the OS took the
// time away: the app gets no warning (iOS's expiration listener appears never to fire; Android
// gives none), so the simulator should suspend or kill the run, not tell it.
import type { SeededRandom } from './seededRandom';
import type { SimClock } from './simClock';

/** `force-quit`: the user swiped the app away (on iOS nothing runs again until it is opened). */
export type AppState = 'foreground' | 'background' | 'force-quit';

export interface SchedulerConditions {
  appState: AppState;
  online: boolean;
  /** Screen off and the phone still (iOS favours this; Android defers work in Doze). */
  idle: boolean;
  charging: boolean;
}

/** One start of the background task by the OS. */
export interface Launch {
  id: number;
  /** When the OS starts the task (virtual ms since epoch). */
  at: number;
  /** The budget the app's task passes to runBackgroundSync on this platform (DESIGN "Numbers"). */
  budgetMs: number;
  /** When the OS takes the time away, without warning, if the task has not finished by then. */
  expireAt: number;
}

export type StopReason = 'expired' | 'network-lost' | 'cancelled' | 'force-quit';

export type SchedulerEvent =
  | { type: 'launch'; launch: Launch }
  /** The OS ran its job but the task was not executed (Android, app in the foreground). */
  | { type: 'skipped'; at: number; reason: 'foreground' }
  /** The OS ended a launch before the task finished. */
  | { type: 'stopped'; at: number; launch: Launch; reason: StopReason };

/** What a due launch does under the current conditions. */
export type Gate = 'run' | 'wait' | 'skip';

/** A platform's rules. Plain data and functions; the scheduler applies them. */
export interface PlatformPolicy {
  readonly platform: 'ios' | 'android';
  readonly budgetMs: number;
  /** Smallest interval the platform honours (both: 15 min). */
  readonly minIntervalMin: number;
  /** 'run' now, 'wait' until conditions change, or 'skip': consume the launch without running the task. */
  gate(conditions: SchedulerConditions): Gate;
  /** How long after the request is due (and allowed) the OS actually starts it. */
  startDelayMs(conditions: SchedulerConditions, random: SeededRandom): number;
  /** How long the OS lets a launch run. */
  grantMs(random: SeededRandom): number;
  /** Whether a change of conditions ends a running launch (null: it keeps running). */
  stopOnChange(conditions: SchedulerConditions): StopReason | null;
  /** Whether unregistering ends a running launch, not only the pending one. */
  readonly unregisterStopsRunning: boolean;
}

export interface OsSchedulerOptions {
  policy: PlatformPolicy;
  clock: SimClock;
  random: SeededRandom;
  /** Defaults: background, online, not idle, not charging. */
  initial?: Partial<SchedulerConditions>;
}

const MINUTE = 60_000;

export class OsScheduler {
  readonly policy: PlatformPolicy;
  private readonly clock: SimClock;
  private readonly random: SeededRandom;
  private readonly state: SchedulerConditions;
  private readonly listeners = new Set<(event: SchedulerEvent) => void>();
  private intervalMs: number | undefined;
  /** The interval counts from here: registration, or the end of the last launch or skip. */
  private anchor = 0;
  private planned: { launch: Launch; cancel: () => void } | undefined;
  private current: { launch: Launch; cancelExpiry: () => void } | undefined;
  private nextId = 1;

  constructor(options: OsSchedulerOptions) {
    this.policy = options.policy;
    this.clock = options.clock;
    this.random = options.random;
    this.state = { appState: 'background', online: true, idle: false, charging: false, ...options.initial };
  }

  onEvent(listener: (event: SchedulerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * expo-background-task's registerTaskAsync: a no-op when already registered (since SDK 56 it
   * no longer cancels the pending request). Intervals under the platform minimum are raised to it.
   */
  register(options: { minimumIntervalMin: number }): void {
    const min = options.minimumIntervalMin;
    if (!Number.isFinite(min) || min <= 0)
      throw new RangeError(`minimumIntervalMin must be positive, got ${min}`);
    if (this.intervalMs !== undefined) return;
    this.intervalMs = Math.max(min, this.policy.minIntervalMin) * MINUTE;
    this.anchor = this.clock.now();
    this.replan();
  }

  /** Withdraws the pending launch; registering again restarts the interval from then. */
  unregister(): void {
    if (this.intervalMs === undefined) return;
    this.intervalMs = undefined;
    if (this.policy.unregisterStopsRunning) this.stop('cancelled');
    this.replan();
  }

  isRegistered(): boolean {
    return this.intervalMs !== undefined;
  }

  foreground(): void {
    this.update({ appState: 'foreground' });
  }

  /** The app leaves the screen. A force-quit app is not running: it must be opened (foreground) first. */
  background(): void {
    if (this.state.appState === 'force-quit') {
      throw new Error('background() after forceQuit(): the app must be opened (foreground()) first');
    }
    this.update({ appState: 'background' });
  }

  /** The user swipes the app away: its process dies, a running launch with it. */
  forceQuit(): void {
    this.state.appState = 'force-quit';
    this.stop('force-quit');
    this.replan();
  }

  networkChanged(online: boolean): void {
    this.update({ online });
  }

  setDevice(device: { idle?: boolean; charging?: boolean }): void {
    this.update(device);
  }

  conditions(): Readonly<SchedulerConditions> {
    return { ...this.state };
  }

  /** The launch the OS has planned, if any (its time is re-drawn whenever conditions change). */
  nextRun(): Launch | undefined {
    return this.planned?.launch;
  }

  /** The launch running now, if any. */
  running(): Launch | undefined {
    return this.current?.launch;
  }

  /** The task's promise settled. Ignored for a launch the OS already stopped. */
  finished(launchId: number): void {
    if (this.current?.launch.id !== launchId) return;
    this.current.cancelExpiry();
    this.current = undefined;
    this.anchor = this.clock.now();
    this.replan();
  }

  private update(change: Partial<SchedulerConditions>): void {
    Object.assign(this.state, change);
    const reason = this.current ? this.policy.stopOnChange(this.state) : null;
    if (reason) this.stop(reason);
    this.replan();
  }

  private emit(event: SchedulerEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  private stop(reason: StopReason): void {
    const current = this.current;
    if (!current) return;
    current.cancelExpiry();
    this.current = undefined;
    this.anchor = this.clock.now();
    this.emit({ type: 'stopped', at: this.clock.now(), launch: current.launch, reason });
  }

  // Draws the next launch from the current conditions. Called on every change: the delay is
  // memoryless (exponential), so drawing again from "now" is the same process under new odds.
  private replan(): void {
    this.planned?.cancel();
    this.planned = undefined;
    if (this.intervalMs === undefined || this.current) return;
    if (this.policy.gate(this.state) === 'wait') return;
    const due = Math.max(this.anchor + this.intervalMs, this.clock.now());
    // Whole milliseconds, so times add up exactly.
    const at = Math.round(due + this.policy.startDelayMs(this.state, this.random));
    const launch: Launch = {
      id: this.nextId,
      at,
      budgetMs: this.policy.budgetMs,
      expireAt: at + Math.round(this.policy.grantMs(this.random)),
    };
    this.planned = { launch, cancel: this.clock.schedule(at, () => this.fire(launch)) };
  }

  private fire(launch: Launch): void {
    this.planned = undefined;
    // Every change of conditions re-plans, so the gate here is the one the plan was made under.
    if (this.policy.gate(this.state) === 'skip') {
      this.anchor = this.clock.now();
      this.emit({ type: 'skipped', at: this.clock.now(), reason: 'foreground' });
      this.replan();
      return;
    }
    this.nextId++;
    this.current = {
      launch,
      cancelExpiry: this.clock.schedule(launch.expireAt, () => this.expire(launch.id)),
    };
    this.emit({ type: 'launch', launch });
  }

  private expire(launchId: number): void {
    if (this.current?.launch.id !== launchId) return;
    this.stop('expired');
    this.replan();
  }
}

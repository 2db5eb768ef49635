// The app's reaction to its foreground state (DESIGN "Platform facts"), shared by the Expo app and
// the device simulator. Policy `on-background`: register the OS task when the app leaves and
// withdraw it when the app comes back — the foreground syncs live meanwhile; policy `always`:
// register once at start and leave it. Coming back also aborts a background run of this runtime,
// takes the foreground hold and runs a resume catch-up.
//
// Short spells in the background change nothing: on Android opening the camera backgrounds the
// app, and each photo would otherwise cost a disconnect, a withdrawn task, a reconnect and a 60 s
// catch-up. So leaving registers at once (iOS may suspend JS seconds later; registering twice is a
// no-op) but keeps the foreground hold for `shortSpellMs`; coming back within it keeps everything
// as it was. Whether a spell was short is measured on the wall clock, because a suspended app's
// timer fires late.
import { isAbortLike } from './abort';
import type { Clock, Logger } from './ports';
import { BUDGET_MS } from './settings';
import type { SyncEngine } from './syncEngine';

export type AppStateName = 'active' | 'background' | 'inactive' | 'unknown' | 'extension';
export type BackgroundPolicy = 'on-background' | 'always';

/** A background spell shorter than this (camera, a glance at another app) changes nothing. */
export const SHORT_SPELL_MS = 10_000;

export interface AppLifecycleDeps {
  sync: Pick<SyncEngine, 'setAppActive' | 'runBackgroundSync' | 'activeRunId'>;
  policy: BackgroundPolicy;
  /** Schedules the OS task (a no-op when it is scheduled already). */
  register: () => Promise<unknown>;
  /** Withdraws the OS task. */
  unregister: () => Promise<unknown>;
  logger: Logger;
  clock: Clock;
  /** How long the resume run waits for an aborted background run to let go (it ends within ~2 s). */
  abortWaitMs?: number;
  shortSpellMs?: number;
}

export interface AppLifecycle {
  /** The app (a signed-in session) starts in `state`; with policy `always` this registers once. */
  start(state: AppStateName): Promise<void>;
  onAppState(state: AppStateName): Promise<void>;
  /** Sign-out or unmount: a pending release is dropped; the caller releases the system itself. */
  stop(): void;
  /** The resume catch-up started by the last activation, if any (tests await it). */
  readonly resumeRun: Promise<void> | null;
  /** Settles when every state change received so far has been applied. */
  idle(): Promise<void>;
}

export function createAppLifecycle(deps: AppLifecycleDeps): AppLifecycle {
  const { sync, policy, logger, clock } = deps;
  const shortSpellMs = deps.shortSpellMs ?? SHORT_SPELL_MS;
  /** 'leaving': in the background, the foreground hold kept until the spell stops being short. */
  let state: 'active' | 'leaving' | 'background' | null = null;
  let leftAt = 0;
  let pendingRelease: AbortController | null = null;
  let queue: Promise<void> = Promise.resolve();
  let resumeRun: Promise<void> | null = null;
  let stopped = false;

  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      logger.error(`app lifecycle: ${what} failed`, { error: String(e) });
    }
  };

  /** Runs `fn` after every change queued before it: changes apply in the order they happened. */
  const enqueue = (fn: () => Promise<void>): Promise<void> => {
    queue = queue.then(() => (stopped ? undefined : fn()));
    return queue;
  };

  async function waitForIdle(): Promise<void> {
    const until = clock.now() + (deps.abortWaitMs ?? 3_000);
    while (sync.activeRunId !== null && clock.now() < until) await clock.sleep(100);
  }

  async function resume(): Promise<void> {
    await waitForIdle();
    const report = await sync.runBackgroundSync({ budgetMs: BUDGET_MS.resume, trigger: 'resume' });
    logger.info('resume catch-up ended', { outcome: report.outcome, durationMs: report.durationMs });
  }

  async function becomeActive(): Promise<void> {
    const wasLeaving = state === 'leaving';
    pendingRelease?.abort();
    pendingRelease = null;
    if (wasLeaving && clock.now() - leftAt < shortSpellMs) {
      state = 'active';
      logger.debug('app lifecycle: back after a short spell; nothing to do');
      return;
    }
    state = 'active';
    if (policy === 'on-background') await step('unregister', deps.unregister);
    // Aborts a background run of this runtime (it ends `aborted`) and holds the live connection.
    await step('foreground hold', () => sync.setAppActive(true));
    resumeRun = resume().catch((e: unknown) => logger.error('resume catch-up failed', { error: String(e) }));
  }

  async function release(): Promise<void> {
    if (state !== 'leaving') return;
    state = 'background';
    await step('release foreground hold', () => sync.setAppActive(false));
  }

  async function becomeBackground(): Promise<void> {
    if (policy === 'on-background') await step('register', deps.register);
    // A cold start in the background holds nothing: nothing to keep.
    if (state === null) {
      state = 'background';
      return;
    }
    state = 'leaving';
    leftAt = clock.now();
    if (shortSpellMs <= 0) return release();
    const controller = new AbortController();
    pendingRelease = controller;
    clock.sleep(shortSpellMs, controller.signal).then(
      () => {
        if (pendingRelease === controller) pendingRelease = null;
        void enqueue(release);
      },
      (e: unknown) => {
        if (!isAbortLike(e) && !controller.signal.aborted)
          logger.error('app lifecycle: timer failed', { error: String(e) });
      },
    );
  }

  const onAppState = (next: AppStateName): Promise<void> => {
    // `inactive` (iOS transitions, Control Center) changes nothing.
    if (next !== 'active' && next !== 'background') return queue;
    return enqueue(async () => {
      const current = state === 'leaving' ? 'background' : state;
      if (next === current) return;
      await (next === 'active' ? becomeActive() : becomeBackground());
    });
  };

  return {
    start(initial) {
      // Queued before any later change: an AppState event during the registration applies after.
      if (policy === 'always') void enqueue(() => step('register', deps.register));
      return onAppState(initial === 'active' ? 'active' : 'background');
    },
    onAppState,
    stop() {
      stopped = true;
      pendingRelease?.abort();
      pendingRelease = null;
    },
    get resumeRun() {
      return resumeRun;
    },
    idle: () => queue,
  };
}

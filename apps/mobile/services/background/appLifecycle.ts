// The scheduling policy (DESIGN "Platform facts"): register the OS task when the app goes to the
// background and withdraw it when the app becomes active — the foreground syncs live meanwhile —
// or, with policy `always`, register once after sign-in and leave it. Becoming active also aborts
// a background run in this runtime, takes the foreground hold, and runs a 60 s resume catch-up.
import { type BackgroundSync, BUDGET_MS, type Clock, type Logger } from '@vhd/background-sync';
import type { BackgroundPolicy } from '../config';

export type AppStateName = 'active' | 'background' | 'inactive' | 'unknown' | 'extension';

export interface AppLifecycleDeps {
  sync: Pick<BackgroundSync, 'setAppActive' | 'runBackgroundSync' | 'activeRunId'>;
  policy: BackgroundPolicy;
  register: () => Promise<boolean>;
  unregister: () => Promise<boolean>;
  logger: Logger;
  clock: Clock;
  /** How long the resume run waits for an aborted background run to let go (it ends within ~2 s). */
  abortWaitMs?: number;
}

export interface AppLifecycle {
  /** The app (a signed-in session) starts in `state`; with policy `always` this registers once. */
  start(state: AppStateName): Promise<void>;
  onAppState(state: AppStateName): Promise<void>;
  /** The resume catch-up started by the last activation, if any (tests await it). */
  readonly resumeRun: Promise<void> | null;
}

export function createAppLifecycle(deps: AppLifecycleDeps): AppLifecycle {
  const { sync, policy, logger, clock } = deps;
  let last: 'active' | 'background' | null = null;
  let queue: Promise<void> = Promise.resolve();
  let resumeRun: Promise<void> | null = null;

  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (e) {
      logger.error(`app lifecycle: ${what} failed`, { error: String(e) });
    }
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
    if (policy === 'on-background') await step('unregister', deps.unregister);
    // Aborts a background run of this runtime (it ends `aborted`) and holds the live connection.
    await step('foreground hold', () => sync.setAppActive(true));
    resumeRun = resume().catch((e: unknown) => logger.error('resume catch-up failed', { error: String(e) }));
  }

  async function becomeBackground(): Promise<void> {
    if (policy === 'on-background') await step('register', deps.register);
    await step('release foreground hold', () => sync.setAppActive(false));
  }

  const onAppState = (state: AppStateName): Promise<void> => {
    // `inactive` (iOS transitions, Control Center) changes nothing.
    if (state !== 'active' && state !== 'background') return queue;
    queue = queue.then(async () => {
      if (state === last) return;
      last = state;
      await (state === 'active' ? becomeActive() : becomeBackground());
    });
    return queue;
  };

  return {
    async start(state) {
      if (policy === 'always') await step('register', deps.register);
      await onAppState(state);
    },
    onAppState,
    get resumeRun() {
      return resumeRun;
    },
  };
}

// The app's foreground policy (shared by the Expo app and the device simulator) on a manual clock,
// against an engine double that records what it is asked.
import { describe, expect, it } from 'vitest';
import {
  type AppLifecycleDeps,
  type BackgroundPolicy,
  createAppLifecycle,
  SHORT_SPELL_MS,
} from '../src/appLifecycle';
import type { RunReport } from '../src/runReport';
import { BUDGET_MS } from '../src/settings';
import { type ManualClock, manualClock } from './support/manualClock';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function setup(policy: BackgroundPolicy, options: { register?: () => Promise<unknown> } = {}) {
  const clock = manualClock();
  const calls: string[] = [];
  const sync = {
    activeRunId: null as string | null,
    async setAppActive(active: boolean) {
      calls.push(active ? 'hold' : 'release');
      // The engine aborts a background run here; it lets go of the run mutex shortly after.
      if (active && sync.activeRunId) void clock.sleep(500).then(() => (sync.activeRunId = null));
    },
    async runBackgroundSync(req: { budgetMs: number; trigger: string }) {
      calls.push(`run ${req.trigger} ${req.budgetMs} (busy: ${sync.activeRunId !== null})`);
      return { outcome: 'completed', durationMs: 1 } as RunReport;
    },
  };
  const deps: AppLifecycleDeps = {
    sync,
    policy,
    register:
      options.register ??
      (async () => {
        calls.push('register');
      }),
    unregister: async () => {
      calls.push('unregister');
    },
    logger: quiet,
    clock,
  };
  return { app: createAppLifecycle(deps), calls, clock, sync };
}

async function settle(app: { idle(): Promise<void> }, clock: ManualClock) {
  await clock.advance(0);
  await app.idle();
}

describe('app lifecycle', () => {
  it('leaving registers at once and releases the foreground hold only once the spell is not short', async () => {
    const { app, calls, clock } = setup('on-background');
    await app.start('active');
    await app.resumeRun;
    calls.length = 0;

    await app.onAppState('background');
    expect(calls).toEqual(['register']);
    await clock.advance(9_000);
    expect(calls).toEqual(['register']);
    await clock.advance(1_000);
    await app.idle();
    expect(calls).toEqual(['register', 'release']);
  });

  it('a short spell in the background (the Android camera) changes nothing: no disconnect, no catch-up', async () => {
    const { app, calls, clock } = setup('on-background');
    await app.start('active');
    await app.resumeRun;
    calls.length = 0;

    for (let photo = 0; photo < 3; photo++) {
      await app.onAppState('background');
      await clock.advance(6_000);
      await app.onAppState('active');
      await settle(app, clock);
    }
    await clock.advance(60_000);
    await app.idle();
    // Registering again is a no-op for the OS (the task stays scheduled, its delay not restarted).
    expect(calls).toEqual(['register', 'register', 'register']);
    expect(clock.sleepers).toBe(0);
  });

  it('after a long spell, coming back unregisters, takes the hold, waits for the aborted run, catches up (60 s)', async () => {
    const { app, calls, clock, sync } = setup('on-background');
    await app.start('background');
    expect(calls).toEqual(['register']);

    sync.activeRunId = 'bg-run';
    const activation = app.onAppState('active');
    await activation;
    const resumed = app.resumeRun;
    await clock.advance(1_000);
    await resumed;
    expect(calls).toEqual(['register', 'unregister', 'hold', `run resume ${BUDGET_MS.resume} (busy: false)`]);
  });

  it('a suspended app whose timer did not fire: the spell is measured on the wall clock', async () => {
    const { app, calls, clock } = setup('on-background');
    await app.start('active');
    await app.resumeRun;
    calls.length = 0;

    await app.onAppState('background');
    clock.jump(30 * 60_000);
    await app.onAppState('active');
    await app.resumeRun;
    expect(calls).toEqual(['register', 'unregister', 'hold', `run resume ${BUDGET_MS.resume} (busy: false)`]);
    // The late timer, when it fires, releases nothing: the app is active.
    await clock.advance(60_000);
    await app.idle();
    expect(calls.filter((c) => c === 'release')).toEqual([]);
  });

  it("policy 'always': a state change during the registration applies after the start state, in order", async () => {
    let finishRegister = () => {};
    const { app, calls, clock } = setup('always', {
      register: () =>
        new Promise<void>((resolve) => {
          finishRegister = () => {
            calls.push('register');
            resolve();
          };
        }),
    });
    const started = app.start('active');
    // The user leaves while the registration is still with the OS.
    const left = app.onAppState('background');
    await Promise.resolve();
    finishRegister();
    await started;
    await left;
    await app.resumeRun;
    await clock.advance(SHORT_SPELL_MS);
    await app.idle();
    expect(calls.slice(0, 2)).toEqual(['register', 'hold']);
    expect(calls.at(-1)).toBe('release');
    expect(calls).not.toContain('unregister');
  });

  it('stop() drops a pending release and ignores later changes', async () => {
    const { app, calls, clock } = setup('on-background');
    await app.start('active');
    await app.resumeRun;
    calls.length = 0;
    await app.onAppState('background');
    app.stop();
    await clock.advance(60_000);
    await app.onAppState('active');
    expect(calls).toEqual(['register']);
  });
});

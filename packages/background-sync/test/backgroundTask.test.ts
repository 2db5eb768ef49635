// The OS task body: everything inside the budget, "nobody signed in yet" is a skip, only an
// unexpected failure is a failure for the OS.
import { describe, expect, it } from 'vitest';
import { runBackgroundTask } from '../src/backgroundTask';
import type { RunReport } from '../src/runReport';
import { manualClock } from './support/manualClock';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const session = { userId: 'u1' };

function system(run: (req: { budgetMs: number; signal?: AbortSignal }) => Promise<Partial<RunReport>>) {
  const requests: Array<{ budgetMs: number; trigger: string; signal?: AbortSignal }> = [];
  return {
    requests,
    value: {
      sync: {
        runBackgroundSync: async (req: { budgetMs: number; trigger: 'background'; signal?: AbortSignal }) => {
          requests.push(req);
          return (await run(req)) as RunReport;
        },
      },
    },
  };
}

describe('background task body', () => {
  it('a session load that never settles ends the task within the budget, with no run', async () => {
    const clock = manualClock();
    const s = system(async () => ({ outcome: 'completed' }));
    const started = Date.now();
    const result = await runBackgroundTask({
      loadSession: () => new Promise(() => {}),
      systemFor: async () => s.value,
      budgetMs: 200,
      clock,
      logger: quiet,
    });
    expect(result.outcome).toBe('session_unavailable');
    expect(result.failed).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(s.requests).toEqual([]);
  });

  it('the run gets what is left of the budget after the session load, and the OS signal', async () => {
    const clock = manualClock();
    const os = new AbortController();
    const s = system(async () => ({ outcome: 'deadline', durationMs: 1 }));
    const result = await runBackgroundTask({
      loadSession: async () => {
        clock.jump(20_000);
        return session;
      },
      systemFor: async () => s.value,
      budgetMs: 180_000,
      clock,
      logger: quiet,
      signal: os.signal,
    });
    expect(result).toMatchObject({ outcome: 'deadline', failed: false });
    expect(s.requests[0]).toMatchObject({ budgetMs: 160_000, trigger: 'background', signal: os.signal });
  });

  it('nobody signed in, or a session that cannot load, is a skip; an unexpected error is a failure', async () => {
    const clock = manualClock();
    const base = { budgetMs: 1_000, clock, logger: quiet };
    const s = system(async () => ({ outcome: 'completed' }));
    await expect(
      runBackgroundTask({ ...base, loadSession: async () => null, systemFor: async () => s.value }),
    ).resolves.toMatchObject({ outcome: 'no_session', failed: false });
    await expect(
      runBackgroundTask({
        ...base,
        loadSession: async () => {
          throw new Error('network request failed');
        },
        systemFor: async () => s.value,
      }),
    ).resolves.toMatchObject({ outcome: 'session_unavailable', failed: false });
    await expect(
      runBackgroundTask({
        ...base,
        loadSession: async () => session,
        systemFor: async () => {
          throw new Error('disk I/O error');
        },
      }),
    ).resolves.toMatchObject({ outcome: 'failed', failed: true });
    const failing = system(async () => ({ outcome: 'failed' }));
    await expect(
      runBackgroundTask({ ...base, loadSession: async () => session, systemFor: async () => failing.value }),
    ).resolves.toMatchObject({ outcome: 'failed', failed: true });
  });

  it('an OS expiry while the system opens ends the task as aborted', async () => {
    const clock = manualClock();
    const os = new AbortController();
    const pending = runBackgroundTask({
      loadSession: async () => session,
      systemFor: () => new Promise(() => {}),
      budgetMs: 60_000,
      clock,
      logger: quiet,
      signal: os.signal,
    });
    await new Promise((r) => setTimeout(r, 5));
    os.abort(new Error('os_expiration'));
    await expect(pending).resolves.toMatchObject({ outcome: 'aborted', failed: false });
  });
});

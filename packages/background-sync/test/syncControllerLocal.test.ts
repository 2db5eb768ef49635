// The sync controller in-process, against a test double of the database's connect/disconnect
// (each call answers when the test says) and a recording connector. syncController.test.ts checks
// the same rules against the real SDK; these are fast enough for mutation testing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SyncDatabase } from '../src/database';
import { type ConnectionState, SyncController, type SyncControllerOptions } from '../src/syncController';

interface Pending {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** connect()/disconnect() calls that stay open until the test settles them (or settle at once). */
class FakeConnection {
  connects: Array<{ connector: unknown; options: unknown } & Pending> = [];
  disconnects: Pending[] = [];
  autoConnect = true;
  autoDisconnect = true;
  connectError: Error | undefined;

  asSyncDatabase(): SyncDatabase {
    const db = {
      connect: (connector: unknown, options: unknown) => {
        if (this.connectError) return Promise.reject(this.connectError);
        return new Promise<void>((resolve, reject) => {
          this.connects.push({ connector, options, resolve, reject });
          if (this.autoConnect) resolve();
        });
      },
      disconnect: () =>
        new Promise<void>((resolve, reject) => {
          this.disconnects.push({ resolve, reject });
          if (this.autoDisconnect) resolve();
        }),
    };
    return db as unknown as SyncDatabase;
  }
}

function setup(options: Partial<SyncControllerOptions> = {}) {
  const conn = new FakeConnection();
  const sessions: string[] = [];
  const logs: Array<{ level: string; msg: string }> = [];
  const log = (level: string) => (msg: string) => logs.push({ level, msg });
  const connector = {
    beginSession: () => sessions.push('begin'),
    endSession: (reason: string) => sessions.push(`end:${reason}`),
  };
  const controller = new SyncController({
    db: conn.asSyncDatabase(),
    connector,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    disconnectTimeoutMs: 1_000,
    ...options,
  });
  const states: Array<[ConnectionState, string[]]> = [];
  controller.onChange((s, holds) => states.push([s, holds]));
  return { conn, connector, controller, sessions, states, logs };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SyncController (in-process)', () => {
  it('connects once on the first hold with the connector and options, disconnects on the last release', async () => {
    const { conn, connector, controller, sessions, states } = setup({ connectOptions: { retryDelayMs: 50 } });
    expect(controller.state).toBe('disconnected');
    await controller.hold('foreground');
    expect(controller.state).toBe('connected');
    expect(controller.isHeld('foreground')).toBe(true);
    expect(conn.connects).toHaveLength(1);
    expect(conn.connects[0]?.connector).toBe(connector);
    expect(conn.connects[0]?.options).toEqual({ retryDelayMs: 50 });
    await controller.hold('run:1');
    expect(conn.connects).toHaveLength(1);
    await controller.release('foreground');
    expect(controller.isHeld('foreground')).toBe(false);
    expect(controller.state).toBe('connected');
    expect(conn.disconnects).toHaveLength(0);
    await controller.release('run:1');
    expect(controller.state).toBe('disconnected');
    expect(conn.disconnects).toHaveLength(1);
    expect(sessions).toEqual(['begin', 'end:disconnect']);
    expect(states).toEqual([
      ['connecting', ['foreground']],
      ['connected', ['foreground']],
      ['disconnecting', []],
      ['disconnected', []],
    ]);
  });

  it('a release with no connection and a second release do nothing', async () => {
    const { conn, controller, states } = setup();
    await controller.release('nobody');
    expect(states).toEqual([]);
    await controller.hold('a');
    await controller.release('a');
    await controller.release('a');
    expect(conn.disconnects).toHaveLength(1);
  });

  it('releaseAll drops every hold and disconnects', async () => {
    const { conn, controller } = setup();
    await controller.hold('a');
    await controller.hold('b');
    expect(controller.holds).toEqual(['a', 'b']);
    await controller.releaseAll();
    expect(controller.holds).toEqual([]);
    expect(controller.state).toBe('disconnected');
    expect(conn.disconnects).toHaveLength(1);
  });

  it('a failed connect ends the session, stays disconnected, and the next hold tries again', async () => {
    const { conn, controller, sessions, logs } = setup();
    conn.connectError = new Error('no database');
    await controller.hold('a');
    expect(controller.state).toBe('disconnected');
    expect(sessions).toEqual(['begin', 'end:connect failed']);
    expect(logs).toContainEqual({ level: 'error', msg: 'sync controller: connect failed' });
    conn.connectError = undefined;
    await controller.release('a');
    expect(conn.disconnects).toHaveLength(0);
    await controller.hold('b');
    expect(controller.state).toBe('connected');
  });

  it('a connect that has not answered within connectTimeoutMs counts as connected (the SDK keeps trying)', async () => {
    vi.useFakeTimers();
    const { conn, controller, logs } = setup({ connectTimeoutMs: 300 });
    conn.autoConnect = false;
    let done = false;
    const held = controller.hold('a').then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(299);
    expect(done).toBe(false);
    expect(controller.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    await held;
    expect(controller.state).toBe('connected');
    expect(logs).toContainEqual({ level: 'info', msg: 'sync controller: connect still pending, continuing' });
  });

  it('connect waits 5 s by default', async () => {
    vi.useFakeTimers();
    const { conn, controller } = setup();
    conn.autoConnect = false;
    const held = controller.hold('a');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(controller.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1);
    await held;
    expect(controller.state).toBe('connected');
  });

  it('an answered connect or disconnect leaves no timer behind', async () => {
    vi.useFakeTimers();
    const { controller } = setup();
    await controller.hold('a');
    expect(vi.getTimerCount()).toBe(0);
    await controller.release('a');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a disconnect that hangs is given up after disconnectTimeoutMs', async () => {
    vi.useFakeTimers();
    const { conn, controller, logs } = setup({ disconnectTimeoutMs: 800 });
    conn.autoDisconnect = false;
    await controller.hold('a');
    const released = controller.release('a');
    await vi.advanceTimersByTimeAsync(799);
    expect(controller.state).toBe('disconnecting');
    await vi.advanceTimersByTimeAsync(1);
    await released;
    expect(controller.state).toBe('disconnected');
    expect(logs).toContainEqual({ level: 'warn', msg: 'sync controller: disconnect did not finish in time' });
  });

  it('a failed disconnect still ends disconnected', async () => {
    const { conn, controller } = setup();
    conn.autoDisconnect = false;
    await controller.hold('a');
    const released = controller.release('a');
    await vi.waitFor(() => expect(conn.disconnects).toHaveLength(1));
    conn.disconnects[0]?.reject(new Error('closed already'));
    await released;
    expect(controller.state).toBe('disconnected');
  });

  it('a hold taken while disconnecting reconnects after the disconnect', async () => {
    const { conn, controller, states } = setup();
    conn.autoDisconnect = false;
    await controller.hold('a');
    const released = controller.release('a');
    await vi.waitFor(() => expect(conn.disconnects).toHaveLength(1));
    const held = controller.hold('b');
    conn.disconnects[0]?.resolve();
    await Promise.all([released, held]);
    expect(controller.state).toBe('connected');
    expect(conn.connects).toHaveLength(2);
    expect(states.map(([s]) => s)).toEqual([
      'connecting',
      'connected',
      'disconnecting',
      'disconnected',
      'connecting',
      'connected',
    ]);
  });

  it('a step that throws does not block the steps after it', async () => {
    const { controller } = setup();
    const stop = controller.onChange((state) => {
      if (state === 'connected') throw new Error('listener broke');
    });
    await expect(controller.hold('a')).rejects.toThrow('listener broke');
    stop();
    expect(controller.state).toBe('connected');
    await controller.release('a');
    expect(controller.state).toBe('disconnected');
    await controller.hold('b');
    expect(controller.state).toBe('connected');
  });

  it('an unsubscribed listener hears nothing more', async () => {
    const { controller } = setup();
    const heard: string[] = [];
    const stop = controller.onChange((s) => heard.push(s));
    await controller.hold('a');
    stop();
    await controller.release('a');
    expect(heard).toEqual(['connecting', 'connected']);
  });

  it("retryDelayMs is the connect option when it is a number, else the SDK's 5 s", () => {
    expect(setup({ connectOptions: { retryDelayMs: 250 } }).controller.retryDelayMs).toBe(250);
    expect(setup({ connectOptions: { retryDelayMs: '250' } }).controller.retryDelayMs).toBe(5_000);
    expect(setup().controller.retryDelayMs).toBe(5_000);
  });
});

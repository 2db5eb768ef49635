// Our server in a child process, as a supervisor runs it in production: when it dies (a SIGKILL at a
// random instant or at a fault point) it is started again on the same data — the same DATA_DIR
// (PGlite, dev media, keys) or the same Postgres database — and the same port. The simulation talks
// to it over IPC: database queries (PGlite cannot be opened by two processes), webhook idleness,
// fault points. Its fault-point trace (VHD_FAULT_POINTS) outlives each incarnation.
import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { QueryResult, Row } from '@vhd/server';
import { FAULT_POINTS_ENV, type FaultAction, type FaultPointName } from '@vhd/server/testing';
import type { ServerChildMessage, ServerRequest } from './serverProtocol';

const CHILD = fileURLToPath(new URL('./serverChild.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** Starts in a row that fail before the server listens: then it is broken, and every call says why. */
const MAX_FAILED_STARTS = 3;
/** Tries of a request while the server dies under it (50 ms apart, each also waiting for a restart). */
const MAX_CALL_ATTEMPTS = 40;

/** The server process ended before it answered. */
export class ServerGone extends Error {
  override name = 'ServerGone';
}

export interface ServerProcessOptions {
  dataDir: string;
  port: number;
  powersyncUrl: string;
  /** Postgres; PGlite under dataDir when absent. */
  databaseUrl?: string;
  logLevel?: string;
  /** The dev media store's file size limit (MEDIA_MAX_BYTES; default the server's). */
  mediaMaxBytes?: number;
  /** A supervisor's pause before starting the server again after it died (default 200 ms). */
  restartDelayMs?: number;
}

export class ServerProcess {
  readonly url: string;
  readonly logPath: string;
  /** Every fault point any incarnation reached, one line each (`<point> <detail>`). */
  readonly tracePath: string;
  /** Times the process was started, and SIGKILLed from outside. */
  starts = 0;
  kills = 0;
  private child: ChildProcess | null = null;
  private isUp = false;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private broken: Error | null = null;
  private closing = false;
  private failedStarts = 0;
  private lastFailure = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly options: ServerProcessOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.logPath = join(options.dataDir, 'server.log');
    this.tracePath = join(options.dataDir, 'fault-points.log');
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    await mkdir(options.dataDir, { recursive: true });
    const server = new ServerProcess(options);
    server.launch();
    try {
      await server.up();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** A statement of the simulation's (the office, replication, the consistency check). */
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.call({ type: 'query', sql, ...(params ? { params } : {}) }) as Promise<QueryResult<R>>;
  }

  async notificationsIdle(): Promise<void> {
    await this.call({ type: 'notificationsIdle' });
  }

  /** The server acts `action` the nth time it reaches `point` (until it restarts or is disarmed). */
  async arm(point: FaultPointName, nth: number, action: FaultAction = 'kill'): Promise<void> {
    await this.call({ type: 'arm', point, nth, action });
  }

  /** The dev media store's file size limit, as the server reads its configuration. */
  async mediaMaxBytes(): Promise<number> {
    return (await this.call({ type: 'mediaMaxBytes' })) as number;
  }

  async disarm(): Promise<void> {
    await this.call({ type: 'disarm' });
  }

  /** SIGKILL now; the supervisor starts it again. */
  kill(): void {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.kills++;
    this.child.kill('SIGKILL');
  }

  /** Resolves once the server listens (again); rejects when it cannot start any more. */
  up(): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closing) return Promise.reject(new Error('the server process was closed'));
    if (this.isUp) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Times each fault point was reached, per detail (e.g. `media.stored` per public id). */
  async trace(): Promise<Record<string, Record<string, number>>> {
    const text = await readFile(this.tracePath, 'utf8').catch(() => '');
    const reached: Record<string, Record<string, number>> = {};
    for (const line of text.split('\n')) {
      if (!line) continue;
      const [point = '', detail = ''] = line.split(' ', 2);
      const perDetail = reached[point] ?? {};
      perDetail[detail] = (perDetail[detail] ?? 0) + 1;
      reached[point] = perDetail;
    }
    return reached;
  }

  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // A child dying on its own already is awaited the same way: its failed write needs no answer.
    child.send({ id: 0, type: 'close' } satisfies { id: number } & ServerRequest, () => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /**
   * One request to the server; one it died under (or was dying under: its exit not yet seen) goes to
   * its next incarnation. Every request of the simulation's is idempotent: statements, arming.
   */
  private async call(request: ServerRequest): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(request);
      } catch (err) {
        if (!(err instanceof ServerGone) || attempt >= MAX_CALL_ATTEMPTS) throw err;
        await sleep(50);
      }
    }
  }

  private async send(request: ServerRequest): Promise<unknown> {
    await this.up();
    const child = this.child;
    if (!child?.connected) throw new ServerGone('the server process is not running');
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A child that died a moment ago still looks connected: the write fails (EPIPE) and is answered
      // here as a gone server, to be retried on its next incarnation (without a callback Node throws).
      child.send({ id, ...request }, (err) => {
        if (!err || !this.pending.delete(id)) return;
        reject(new ServerGone(`the server process is not reachable (${err.message})`));
      });
    });
  }

  private launch(): void {
    const o = this.options;
    const log = openSync(this.logPath, 'a');
    // One node process (no wrapper): a SIGKILL reaches the server itself, and nothing of the old
    // incarnation can still hold the PGlite directory when the next one opens it.
    const child = fork(CHILD, [], {
      execArgv: ['--import', TSX],
      env: {
        ...process.env,
        NODE_ENV: 'development',
        DATA_DIR: o.dataDir,
        PORT: String(o.port),
        HOST: '127.0.0.1',
        POWERSYNC_URL: o.powersyncUrl,
        LOG_LEVEL: o.logLevel ?? 'warn',
        DATABASE_URL: o.databaseUrl ?? '',
        ...(o.mediaMaxBytes ? { MEDIA_MAX_BYTES: String(o.mediaMaxBytes) } : {}),
        [FAULT_POINTS_ENV]: this.tracePath,
      },
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    this.child = child;
    this.starts++;
    child.on('message', (m: ServerChildMessage) => {
      if (m.kind === 'ready') {
        this.isUp = true;
        this.failedStarts = 0;
        for (const w of this.waiters.splice(0)) w.resolve();
      } else if (m.kind === 'failed') {
        this.lastFailure = m.message;
      } else {
        const waiter = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) waiter?.resolve(m.value);
        else waiter?.reject(new Error(m.message));
      }
    });
    child.once('exit', (code, signal) => {
      const wasUp = this.isUp;
      this.isUp = false;
      const gone = new ServerGone(`the server process ended (${signal ?? code})`);
      for (const waiter of this.pending.values()) waiter.reject(gone);
      this.pending.clear();
      if (!wasUp && ++this.failedStarts >= MAX_FAILED_STARTS) {
        this.broken = new Error(
          `the server does not start: ${this.lastFailure || `it ended with ${signal ?? code}`} (log: ${this.logPath})`,
        );
      }
      if (this.closing || this.broken) {
        for (const w of this.waiters.splice(0))
          w.reject(this.broken ?? new Error('the server process was closed'));
        return;
      }
      // Calls made while it is down wait for the next incarnation.
      setTimeout(() => {
        if (!this.closing) this.launch();
      }, this.options.restartDelayMs ?? 200);
    });
  }
}

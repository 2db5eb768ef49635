// The one owner of a database's sync connection. Whoever needs the live stream takes a named hold
// (`foreground` while the app is active, `run:<id>` during a run's download phase); the controller
// connects on the first hold and disconnects when the last is released. Nothing else may call
// connect()/disconnect(): two owners would fight over the connection.
import { TimeoutError } from './abort';
import type { SyncDatabase } from './database';
import type { Logger } from './ports';

/** What the controller needs from the connector it connects with. */
export interface ControlledConnector {
  /** A connection starts: uploads get a fresh abort signal. */
  beginSession(): void;
  /**
   * A disconnect is about to happen: abort in-flight uploads. The SDK's disconnect() waits for
   * uploadData and gives it no signal, so without this it could wait for a whole request timeout.
   */
  endSession(reason: string): void;
}

/** Our connection request, not the stream's health (that is `db.currentStatus`). */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'disconnecting';

export interface SyncControllerOptions {
  db: SyncDatabase;
  connector: ControlledConnector;
  /** Passed to db.connect (e.g. retryDelayMs, crudUploadThrottleMs, SDK-specific options). */
  connectOptions?: Record<string, unknown>;
  logger: Logger;
  /** How long disconnect() may take before we stop waiting (DESIGN: 5 s). */
  disconnectTimeoutMs: number;
  /** How long to wait for connect() to report its first attempt (it waits for the first answer). */
  connectTimeoutMs?: number;
}

/** The SDK's default `retryDelayMs`. */
const SDK_RETRY_DELAY_MS = 5_000;

export class SyncController {
  private readonly held = new Set<string>();
  private current: ConnectionState = 'disconnected';
  /** Connect/disconnect steps run one after another, each deciding from the holds at its turn. */
  private queue: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(state: ConnectionState, holds: string[]) => void>();

  constructor(private readonly options: SyncControllerOptions) {}

  get state(): ConnectionState {
    return this.current;
  }

  get holds(): string[] {
    return [...this.held];
  }

  /** How long the SDK waits before it retries a failed stream (`connectOptions.retryDelayMs`, else its 5 s). */
  get retryDelayMs(): number {
    const v = this.options.connectOptions?.retryDelayMs;
    return typeof v === 'number' ? v : SDK_RETRY_DELAY_MS;
  }

  isHeld(name: string): boolean {
    return this.held.has(name);
  }

  /** Takes a hold; resolves once the connection has been requested (connect() answered or timed out). */
  hold(name: string): Promise<void> {
    this.held.add(name);
    return this.reconcile();
  }

  /** Releases a hold; resolves once a resulting disconnect has finished or timed out. */
  release(name: string): Promise<void> {
    this.held.delete(name);
    return this.reconcile();
  }

  /** Releases every hold and disconnects (sign-out, shutdown). */
  releaseAll(): Promise<void> {
    this.held.clear();
    return this.reconcile();
  }

  onChange(listener: (state: ConnectionState, holds: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private reconcile(): Promise<void> {
    const step = this.queue.then(() => this.step());
    this.queue = step.catch(() => undefined);
    return step;
  }

  private async step(): Promise<void> {
    const want = this.held.size > 0;
    if (want && this.current === 'disconnected') await this.connect();
    else if (!want && this.current === 'connected') await this.disconnect();
  }

  private async connect(): Promise<void> {
    const { db, connector, logger } = this.options;
    this.setState('connecting');
    connector.beginSession();
    try {
      await withTimeout(
        db.connect(connector, this.options.connectOptions),
        this.options.connectTimeoutMs ?? 5_000,
      );
    } catch (e) {
      if (!(e instanceof TimeoutError)) {
        logger.error('sync controller: connect failed', { error: String(e) });
        connector.endSession('connect failed');
        this.setState('disconnected');
        return;
      }
      // Still connecting (the first attempt has not answered): the SDK keeps trying on its own.
      logger.info('sync controller: connect still pending, continuing');
    }
    this.setState('connected');
  }

  private async disconnect(): Promise<void> {
    const { db, connector, logger, disconnectTimeoutMs } = this.options;
    this.setState('disconnecting');
    connector.endSession('disconnect');
    try {
      await withTimeout(db.disconnect(), disconnectTimeoutMs);
    } catch (e) {
      logger.warn('sync controller: disconnect did not finish in time', {
        error: String(e),
        disconnectTimeoutMs,
      });
    }
    this.setState('disconnected');
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    const holds = this.holds;
    for (const l of this.listeners) l(state, holds);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

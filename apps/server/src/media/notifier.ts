import type { FastifyBaseLogger } from 'fastify';
import type { SignatureAlgorithm } from '../cloudinary/account';
import { notificationSignature } from '../cloudinary/signature';

export interface NotifierOptions {
  apiSecret: string;
  algorithm: SignatureAlgorithm;
  log: FastifyBaseLogger;
  /** Waits before each retry; the number of entries is the number of retries. */
  retryDelaysMs: readonly number[];
  requestTimeoutMs: number;
}

/**
 * Posts Cloudinary-style signed notifications (`X-Cld-Timestamp`, `X-Cld-Signature` over raw body +
 * timestamp + secret) in the background, retrying failed deliveries a few times like Cloudinary does.
 */
export class Notifier {
  private readonly pending = new Set<Promise<void>>();
  private readonly stopped = new AbortController();
  delivered = 0;
  failed = 0;

  constructor(private readonly options: NotifierOptions) {}

  send(url: string, payload: Record<string, unknown>): void {
    const delivery = this.deliver(url, payload).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Resolves when every notification sent so far was delivered or given up on. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  async close(): Promise<void> {
    this.stopped.abort();
    await this.idle();
  }

  private async deliver(url: string, payload: Record<string, unknown>): Promise<void> {
    const delays = [0, ...this.options.retryDelaysMs];
    const body = JSON.stringify(payload);
    let lastError = '';
    for (const [attempt, delayMs] of delays.entries()) {
      if (delayMs > 0 && !(await this.sleep(delayMs))) break;
      const timestamp = Math.floor(Date.now() / 1000);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-cld-timestamp': String(timestamp),
            'x-cld-signature': notificationSignature(
              body,
              timestamp,
              this.options.apiSecret,
              this.options.algorithm,
            ),
          },
          body,
          signal: AbortSignal.any([this.stopped.signal, AbortSignal.timeout(this.options.requestTimeoutMs)]),
        });
        await response.body?.cancel();
        if (response.ok) {
          this.delivered += 1;
          return;
        }
        lastError = `HTTP ${response.status}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      this.options.log.warn(
        { url, attempt, error: lastError },
        'dev media store: notification not delivered',
      );
      if (this.stopped.signal.aborted) break;
    }
    this.failed += 1;
    this.options.log.error({ url, error: lastError }, 'dev media store: notification given up');
  }

  /** False when the notifier was closed while waiting. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.stopped.signal.aborted) return resolve(false);
      const timer = setTimeout(() => {
        this.stopped.signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      this.stopped.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

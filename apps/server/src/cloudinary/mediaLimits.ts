import type { MediaLimits } from '@vhd/sync-contract';
import type { FastifyBaseLogger } from 'fastify';

/** The largest image a media store takes (Cloudinary refuses larger ones with a 400): the wire contract's. */
export type { MediaLimits };

/** Cloudinary's Free plan: 10 MiB and 25 megapixels per image. The dev media store's defaults. */
export const FREE_PLAN_LIMITS: MediaLimits = { maxBytes: 10_485_760, maxPixels: 25_000_000 };

/** After a failed read of the account's limits, the next signing tries again this much later. */
const RETRY_AFTER_MS = 60_000;

/**
 * A Cloudinary account's image limits: the configured ones, else read once from the Admin API's
 * usage report (`media_limits.image_max_size_bytes`, `image_max_px`) and kept for the process's
 * life (a plan change needs a restart). While the account cannot be read, the limits are unknown
 * (null): uploads are then refused by Cloudinary itself, with its 400.
 */
export class AccountLimits {
  private known: MediaLimits | null = null;
  private reading: Promise<MediaLimits | null> | null = null;
  private failedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: {
      configured: Partial<MediaLimits>;
      readUsage: () => Promise<unknown>;
      log: FastifyBaseLogger;
      now?: () => number;
    },
  ) {
    const { maxBytes, maxPixels } = options.configured;
    if (maxBytes !== undefined && maxPixels !== undefined) this.known = { maxBytes, maxPixels };
  }

  async get(): Promise<MediaLimits | null> {
    if (this.known) return this.known;
    const now = this.options.now ?? Date.now;
    if (now() - this.failedAt < RETRY_AFTER_MS) return null;
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async read(): Promise<MediaLimits | null> {
    try {
      const usage = (await this.options.readUsage()) as { media_limits?: Record<string, unknown> };
      const limits = usage.media_limits ?? {};
      const maxBytes = this.options.configured.maxBytes ?? positive(limits.image_max_size_bytes);
      const maxPixels = this.options.configured.maxPixels ?? positive(limits.image_max_px);
      if (maxBytes === undefined || maxPixels === undefined) {
        throw new Error(`usage report without media_limits: ${JSON.stringify(usage).slice(0, 200)}`);
      }
      this.known = { maxBytes, maxPixels };
      this.options.log.info(this.known, 'Cloudinary image limits read from the account');
      return this.known;
    } catch (error) {
      this.failedAt = (this.options.now ?? Date.now)();
      this.options.log.error({ err: error }, 'Cloudinary image limits not readable; signing without them');
      return null;
    }
  }
}

function positive(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

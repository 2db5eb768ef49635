import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db';
import type { MediaService } from './mediaService';

/** A deletion that failed this often is left in the table for an operator (with its last error). */
const MAX_ATTEMPTS = 10;
const BATCH = 100;

/**
 * Deletes the assets of deleted photos, after the deleting transaction committed: migration 002's
 * trigger queues them in `photo_asset_deletions`, `kick()` (after a commit that may have deleted
 * photos, and at start) drains the queue in the background, one asset at a time, so a slow or
 * failing media service never holds up a response. Failures are logged and retried on a later kick.
 */
export class AssetDeletions {
  private running: Promise<void> | null = null;
  private again = false;
  deleted = 0;
  failed = 0;

  constructor(
    private readonly db: Db,
    private readonly media: MediaService,
    private readonly log: FastifyBaseLogger,
  ) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when no drain is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      try {
        while (await this.pass()) {}
      } catch (error) {
        this.log.error({ err: error }, 'photo asset deletions: queue not readable');
      }
    } while (this.again);
  }

  /** Deletes up to one batch; true if it was full and every deletion worked (more may wait). */
  private async pass(): Promise<boolean> {
    const { rows } = await this.db.query<{ public_id: string }>(
      `SELECT public_id FROM photo_asset_deletions WHERE attempts < $1 ORDER BY requested_at LIMIT ${BATCH}`,
      [MAX_ATTEMPTS],
    );
    let allDeleted = true;
    for (const { public_id: publicId } of rows) {
      try {
        await this.media.destroy(publicId);
        await this.db.query('DELETE FROM photo_asset_deletions WHERE public_id = $1', [publicId]);
        this.deleted += 1;
        this.log.info({ publicId }, 'photo asset deleted');
      } catch (error) {
        allDeleted = false;
        this.failed += 1;
        await this.db.query(
          'UPDATE photo_asset_deletions SET attempts = attempts + 1, last_error = $2 WHERE public_id = $1',
          [publicId, (error as Error).message],
        );
        this.log.error({ publicId, err: error }, 'photo asset not deleted; retried on a later deletion');
      }
    }
    return allDeleted && rows.length === BATCH;
  }
}

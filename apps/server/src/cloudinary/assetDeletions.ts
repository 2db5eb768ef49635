import type { FastifyBaseLogger } from 'fastify';
import type { MediaService } from './mediaService';

/**
 * Deletes photo assets after the rows that referenced them were deleted and committed. Runs in the
 * background, one at a time, so a slow or failing media service never holds up an upload
 * response; a failure is logged (the asset is then an orphan, harmless) and never retried here.
 */
export class AssetDeletions {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  deleted = 0;
  failed = 0;

  constructor(
    private readonly media: MediaService,
    private readonly log: FastifyBaseLogger,
  ) {}

  enqueue(publicIds: readonly string[]): void {
    for (const publicId of publicIds) {
      this.pending += 1;
      this.tail = this.tail.then(() => this.destroy(publicId));
    }
  }

  /** Resolves when every deletion enqueued so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }

  private async destroy(publicId: string): Promise<void> {
    try {
      await this.media.destroy(publicId);
      this.deleted += 1;
      this.log.info({ publicId }, 'photo asset deleted');
    } catch (error) {
      this.failed += 1;
      this.log.error({ publicId, err: error }, 'photo asset not deleted');
    } finally {
      this.pending -= 1;
    }
  }
}

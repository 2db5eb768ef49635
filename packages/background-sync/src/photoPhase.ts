// Phase 3 of a background run: the photo queue as a RunPhase, then the cleanup of old originals.
import type { PhotoAttachmentQueue } from './photoQueue';
import type { PhaseResult, RunContext, RunPhase } from './runPhase';

export function createPhotoPhase(queue: PhotoAttachmentQueue): RunPhase {
  return {
    name: 'photos',
    async run(ctx: RunContext): Promise<PhaseResult> {
      const started = ctx.ports.clock.now();
      const report = await queue.processQueue({ budget: ctx.budget, settings: ctx.settings });
      // Local and quick, but still new work: not inside the safety margin.
      const originalsDeleted = ctx.budget.canStart() ? await queue.cleanupOriginals(ctx.budget.signal) : 0;
      return {
        status: report.status,
        ...(report.stopCause ? { stopCause: report.stopCause } : {}),
        ...(report.reason ? { reason: report.reason } : {}),
        counts: { ...report.counts, originalsDeleted },
        durationMs: ctx.ports.clock.now() - started,
      };
    },
  };
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UploadAnswer } from '@vhd/sync-contract';
import { processUpload } from '../crudApply/applyUpload';
import { faultPoint } from '../faultPoints';
import {
  assertEnvelopeTypes,
  assertUniqueOpIds,
  MAX_BYTES,
  MAX_OPS,
  tooManyOps,
  UploadEnvelope,
} from './uploadEnvelope';

/** `POST /api/powersync/upload` (registered inside the authenticated /api scope); the apply is crudApply/. */
export const uploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/powersync/upload',
    {
      bodyLimit: MAX_BYTES,
      config: {
        payloadLimits: { maxOps: MAX_OPS, maxBytes: MAX_BYTES },
        // Its own per-user count: a phone draining a day's backlog uploads back-to-back.
        rateLimit: { max: app.config.uploadRateLimitMax },
      },
      schema: { body: UploadEnvelope, response: { 200: UploadAnswer } },
      // Counted before validation so an oversized batch is a 413, not a schema error.
      preValidation: async (req) => {
        const batch = (req.body as { batch?: unknown } | null)?.batch;
        if (Array.isArray(batch) && batch.length > MAX_OPS) throw tooManyOps();
        assertEnvelopeTypes(req.body);
      },
    },
    async (req) => {
      assertUniqueOpIds(req.body);
      const answer = await processUpload(app.db, req.body, {
        auth: req.auth,
        verifier: app.photoConfirmations,
        log: req.log,
      });
      // Committed: assets of photos the batch deleted (directly or by cascade) go in the background.
      if ((req.body.batch as { op?: unknown }[]).some((op) => op.op === 'DELETE')) app.assetDeletions.kick();
      faultPoint('upload.afterCommit');
      return answer;
    },
  );
};

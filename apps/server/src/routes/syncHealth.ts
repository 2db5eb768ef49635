import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SyncHealthAnswer, SyncHealthReport } from '@vhd/sync-contract';
import { saveReport } from '../syncHealth/healthStore';

/** A report is a few KiB at most (50 runs); anything much larger is not one. */
const BODY_LIMIT = 64 * 1024;

/**
 * `POST /api/syncHealth` (register inside the authenticated `/api` scope): a device's sync health
 * report — capability, queues and its latest runs — stored for the caller's organization and user.
 */
export const syncHealthRoutes: FastifyPluginAsyncTypebox<{ now: () => number }> = async (scope, options) => {
  scope.post(
    '/syncHealth',
    { schema: { body: SyncHealthReport, response: { 200: SyncHealthAnswer } }, bodyLimit: BODY_LIMIT },
    async (request) => {
      const { orgId, userId } = request.auth;
      return saveReport(scope.db, { orgId, userId }, request.body, options.now());
    },
  );
};

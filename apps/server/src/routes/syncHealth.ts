import type { FastifyInstance } from 'fastify';
import { saveReport } from '../syncHealth/healthStore';
import { SyncHealthBody, type SyncHealthReport } from '../syncHealth/reportSchema';

/** A report is a few KiB at most (50 runs); anything much larger is not one. */
const BODY_LIMIT = 64 * 1024;

/**
 * `POST /api/syncHealth` (register inside the authenticated `/api` scope): a device's sync health
 * report — capability, queues and its latest runs — stored for the caller's organization and user.
 */
export async function syncHealthRoutes(
  scope: FastifyInstance,
  options: { now: () => number },
): Promise<void> {
  scope.post<{ Body: SyncHealthReport }>(
    '/syncHealth',
    { schema: { body: SyncHealthBody }, bodyLimit: BODY_LIMIT },
    async (request) => {
      const { orgId, userId } = request.auth;
      return saveReport(scope.db, { orgId, userId }, request.body, options.now());
    },
  );
}

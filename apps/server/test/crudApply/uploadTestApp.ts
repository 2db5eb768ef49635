// Fastify with only the upload route, for in-process route tests (inject, no socket): test doubles
// of the authentication (one session of a fresh organization) and of the asset-deletion job.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiAuth } from '../../src/auth/authenticate';
import type { Config } from '../../src/config';
import type { PhotoConfirmationVerifier } from '../../src/crudApply/photoConfirmations';
import type { Db } from '../../src/db/types';
import { errorHandler } from '../../src/errors';
import { uploadRoutes } from '../../src/routes/upload';

/** Test double of the photo confirmation verifier: confirms nothing. */
export const refusingVerifier: PhotoConfirmationVerifier = {
  verify: () => ({ ok: false, code: 'forbidden', message: 'no verifier in this test' }),
};

export interface UploadTestApp {
  app: FastifyInstance;
  /** How often the asset deletions were started. */
  readonly kicks: number;
}

export async function uploadTestApp(db: Db): Promise<UploadTestApp> {
  const orgId = `org_${randomUUID().slice(0, 8)}`;
  await db.query('INSERT INTO organizations (id) VALUES ($1)', [orgId]);
  let kicks = 0;
  const app = Fastify();
  app.setErrorHandler(errorHandler);
  app.decorate('config', { uploadRateLimitMax: 1000 } as Config);
  app.decorate('db', db);
  app.decorate('photoConfirmations', refusingVerifier);
  app.decorate('assetDeletions', { kick: () => kicks++ } as unknown as FastifyInstance['assetDeletions']);
  app.decorateRequest('auth', null as unknown as ApiAuth);
  app.addHook('onRequest', async (req) => {
    req.auth = { userId: 'user_1', orgId } as ApiAuth;
  });
  await app.register(uploadRoutes, { prefix: '/api' });
  return {
    app,
    get kicks() {
      return kicks;
    },
  };
}

import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors';
import type { PowerSyncKeySource } from '../powersync/signingKey';
import { mintPowerSyncToken } from '../powersync/token';

export const JWKS_PATH = '/.well-known/jwks.json';

export interface PowerSyncCredentialOptions {
  keys: PowerSyncKeySource;
  /** POWERSYNC_URL without a trailing slash; the token route answers 503 without one. */
  endpoint: string | undefined;
  audience: string;
  ttlS: number;
}

/** `GET /api/powersync/token` (register under `/api`, behind auth): a PowerSync JWT for the caller. */
export async function powersyncTokenRoutes(
  scope: FastifyInstance,
  options: PowerSyncCredentialOptions,
): Promise<void> {
  scope.get('/powersync/token', async (request, reply) => {
    const { userId, orgId } = request.auth;
    if (!options.endpoint) {
      throw new HttpError(503, 'powersync_not_configured', 'This server has no POWERSYNC_URL configured');
    }
    const nowMs = Date.now();
    const { token, expiresAt } = await mintPowerSyncToken({
      key: await options.keys.signingKey(nowMs),
      audience: options.audience,
      userId,
      orgId,
      ttlS: options.ttlS,
      nowMs,
    });
    reply.header('cache-control', 'no-store');
    return { endpoint: options.endpoint, token, expiresAt };
  });
}

/** `GET /.well-known/jwks.json` (public): the keys PowerSync verifies our tokens with. */
export async function jwksRoutes(
  scope: FastifyInstance,
  options: { keys: PowerSyncKeySource },
): Promise<void> {
  scope.get(JWKS_PATH, async (_request, reply) => {
    // Short caching: a rotated-in key must be fetchable soon (PowerSync also refetches on an unknown kid).
    reply.header('cache-control', 'public, max-age=300');
    return { keys: await options.keys.publishedKeys(Date.now()) };
  });
}

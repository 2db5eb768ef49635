import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TokenAnswer } from '@vhd/sync-contract';
import Type from 'typebox';
import { HttpError } from '../errors';
import { mintPowerSyncToken } from '../powersync/token';

export const JWKS_PATH = '/.well-known/jwks.json';

/** Public JWKs as `jose` exports them (kty, kid, alg, use and the key's own members). */
const Jwks = Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown())) });

/**
 * `GET /api/powersync/token` (register under `/api`, behind auth, after the credentials plugin): a
 * PowerSync JWT for the caller. `endpoint` is POWERSYNC_URL; the route answers 503 without one.
 */
export const powersyncTokenRoutes: FastifyPluginAsyncTypebox = async (scope) => {
  const { config, powersyncKeys: keys } = scope;
  scope.get('/powersync/token', { schema: { response: { 200: TokenAnswer } } }, async (request, reply) => {
    const { userId, orgId } = request.auth;
    if (!config.powersyncUrl) {
      throw new HttpError(503, 'powersync_not_configured', 'This server has no POWERSYNC_URL configured');
    }
    const nowMs = Date.now();
    const { token, expiresAt } = await mintPowerSyncToken({
      key: await keys.signingKey(nowMs),
      audience: config.powersyncJwtAudience,
      userId,
      orgId,
      ttlS: config.powersyncTokenTtlS,
      nowMs,
    });
    reply.header('cache-control', 'no-store');
    return { endpoint: config.powersyncUrl, token, expiresAt };
  });
};

/** `GET /.well-known/jwks.json` (public): the keys PowerSync verifies our tokens with. */
export const jwksRoutes: FastifyPluginAsyncTypebox = async (scope) => {
  scope.get(JWKS_PATH, { schema: { response: { 200: Jwks } } }, async (_request, reply) => {
    // Short caching: a rotated-in key must be fetchable soon (PowerSync also refetches on an unknown kid).
    reply.header('cache-control', 'public, max-age=300');
    return { keys: await scope.powersyncKeys.publishedKeys(Date.now()) };
  });
};

import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { jwksRoutes, powersyncTokenRoutes } from '../routes/powersyncToken';
import { configuredKeys } from './configuredKeys';
import { KeyFile } from './keyFile';

/** Clock skew allowed between this server and the PowerSync service. */
const CLOCK_SKEW_MS = 60_000;

/**
 * PowerSync credentials: the signing key (POWERSYNC_JWT_KEY, or a generated dev key under
 * DATA_DIR), the public JWKS at `/.well-known/jwks.json`. Returns the token route for `/api`.
 */
export async function registerPowerSyncCredentials(app: FastifyInstance): Promise<FastifyPluginAsync> {
  const { config } = app;
  const ttlS = config.powersyncTokenTtlS;
  const keys = config.powersyncJwtKey
    ? await configuredKeys({
        privateKey: config.powersyncJwtKey,
        previousPublicKeys: config.powersyncJwtPreviousKeys,
      })
    : await KeyFile.open(join(config.dataDir, 'powersync-keys.json'), {
        rotateAfterMs: config.powersyncKeyRotationDays * 86_400_000,
        publishRetiredForMs: ttlS * 1000 + CLOCK_SKEW_MS,
      });
  // Sign-ready at start: the JWKS is never empty and a bad key fails the start, not a request.
  await keys.signingKey(Date.now());
  await app.register(jwksRoutes, { keys });
  return async (api) => {
    await api.register(powersyncTokenRoutes, {
      keys,
      endpoint: config.powersyncUrl,
      audience: config.powersyncJwtAudience,
      ttlS,
    });
  };
}

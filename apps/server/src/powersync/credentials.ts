import { join } from 'node:path';
import fp from 'fastify-plugin';
import { jwksRoutes } from '../routes/powersyncToken';
import { configuredKeys } from './configuredKeys';
import { KeyFile } from './keyFile';
import type { PowerSyncKeySource } from './signingKey';

/** Clock skew allowed between this server and the PowerSync service. */
const CLOCK_SKEW_MS = 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** The PowerSync token signer: the signing key and the published (JWKS) keys. */
    powersyncKeys: PowerSyncKeySource;
  }
}

/**
 * PowerSync credentials, registered once at the app's root: decorates the app with the signing key
 * (POWERSYNC_JWT_KEY, or a generated dev key under DATA_DIR) for the `/api` token route, and
 * publishes the public JWKS at `/.well-known/jwks.json`.
 */
export const powersyncCredentials = fp(
  async (app) => {
    const { config } = app;
    const keys = config.powersyncJwtKey
      ? await configuredKeys({
          privateKey: config.powersyncJwtKey,
          previousPublicKeys: config.powersyncJwtPreviousKeys,
        })
      : await KeyFile.open(join(config.dataDir, 'powersync-keys.json'), {
          rotateAfterMs: config.powersyncKeyRotationDays * 86_400_000,
          publishRetiredForMs: config.powersyncTokenTtlS * 1000 + CLOCK_SKEW_MS,
        });
    // Sign-ready at start: the JWKS is never empty and a bad key fails the start, not a request.
    await keys.signingKey(Date.now());
    app.decorate('powersyncKeys', keys);
    await app.register(jwksRoutes);
  },
  { name: 'vhd-powersync-credentials', decorators: { fastify: ['config'] } },
);

import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { authentication } from './auth/authenticate';
import { loadDevKey } from './auth/devKey';
import { devSessionRoutes } from './auth/devSession';
import { installBodyTimeout } from './bodyTimeout';
import { photoMedia } from './cloudinary/photoMedia';
import { type Config, checkConfig } from './config';
import { scheduleVerdictRetention } from './crudApply/verdictRetention';
import { openDb } from './db/open';
import type { Db } from './db/types';
import { errorHandler, HttpError, notFoundHandler } from './errors';
import { officeRoutes } from './office/officeRoutes';
import { powersyncCredentials } from './powersync/credentials';
import { cloudinaryUploadRoutes } from './routes/cloudinaryUpload';
import { healthRoutes } from './routes/health';
import { powersyncTokenRoutes } from './routes/powersyncToken';
import { syncHealthRoutes } from './routes/syncHealth';
import { uploadRoutes } from './routes/upload';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    /** Every route registered, for start-up output and tests (e.g. that all of /api needs a session). */
    routeList: { method: string; url: string }[];
  }
}

export interface BuildAppOptions {
  config: Config;
  /** An open, migrated database; when omitted the app opens the configured one and closes it on close. */
  db?: Db;
  logger?: FastifyServerOptions['logger'];
  /** The clock of sync health reports and the office page (default Date.now; the simulator's clock in the demo). */
  now?: () => number;
}

/** The whole HTTP server, not yet listening. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const config = checkConfig(opts.config);
  const db = opts.db ?? (await openDb(config));
  const app = Fastify({
    logger: opts.logger ?? { level: config.logLevel },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Routes that take large bodies (CRUD upload) raise this for themselves.
    bodyLimit: 1024 * 1024,
    // Slow clients: an idle socket is closed; a whole request must arrive within the request timeout
    // (long enough for a 25 MiB photo to the dev media store); JSON bodies have their own, shorter one.
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
  });
  // JSON everywhere: a text/plain body is a 415, not a string handed to a route.
  app.removeContentTypeParser('text/plain');
  installBodyTimeout(app, config.bodyTimeoutMs, (url) => url.startsWith('/dev-media/'));
  if (!opts.db) app.addHook('onClose', () => db.close());
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.decorate('routeList', []);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) app.routeList.push({ method, url: route.url });
  });
  app.decorate('config', config);
  app.decorate('db', db);

  // Clerk session tokens, or dev-auth tokens verified the same way with the dev key.
  const devKey = config.clerkJwtKey ? null : await loadDevKey(config.dataDir);
  const devIssuer = `${config.publicUrl}/dev`;
  await app.register(authentication, {
    db,
    jwtKey: config.clerkJwtKey ?? devKey!.publicPem,
    issuer: devKey ? devIssuer : config.clerkIssuer,
    authorizedParties: config.clerkAuthorizedParties,
  });
  if (devKey)
    await app.register(devSessionRoutes(devKey, devIssuer, config.clerkAuthorizedParties[0] ?? null));
  const now = opts.now ?? Date.now;

  scheduleVerdictRetention(app, config.verdictRetentionDays);
  await app.register(healthRoutes);
  await app.register(officeRoutes, {
    now,
    dev: devKey
      ? { key: devKey, issuer: devIssuer, authorizedParty: config.clerkAuthorizedParties[0] ?? null }
      : null,
    secureCookies: config.publicUrl.startsWith('https:'),
  });
  // Shared services, decorated once: photo media (with the webhook, the dev media store and the
  // confirmation verifier) and the PowerSync token signer (with the JWKS); their /api routes below.
  await app.register(photoMedia);
  await app.register(powersyncCredentials);

  // Everything under /api: a Clerk session with an organization, then a per-user rate limit.
  await app.register(
    async (api) => {
      api.addHook('onRequest', app.authenticate);
      await api.register(rateLimit, {
        hook: 'preHandler',
        max: config.rateLimitMax,
        timeWindow: config.rateLimitWindowMs,
        keyGenerator: (req) => req.auth.userId,
        errorResponseBuilder: (_req, ctx) =>
          new HttpError(429, 'rate_limited', `Too many requests: retry in ${ctx.after}`),
      });
      await api.register(uploadRoutes);
      await api.register(cloudinaryUploadRoutes);
      await api.register(powersyncTokenRoutes);
      await api.register(syncHealthRoutes, { now });
    },
    { prefix: '/api' },
  );

  return app;
}

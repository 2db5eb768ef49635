import { join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { unreachablePublicUrl } from '../config';
import { ipRateLimit } from '../ipRateLimit';
import { loadDevMediaAccount } from '../media/devAccount';
import { DevMediaStore } from '../media/devMediaStore';
import { cloudinaryUploadRoutes } from '../routes/cloudinaryUpload';
import { cloudinaryWebhookRoutes } from '../routes/cloudinaryWebhook';
import { parseCloudinaryUrl } from './account';
import { AssetDeletions } from './assetDeletions';
import { FREE_PLAN_LIMITS } from './mediaLimits';
import { cloudinaryMediaService, type MediaService } from './mediaService';
import { photoConfirmationVerifier } from './photoConfirmation';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where photos live: Cloudinary, or the dev media store without CLOUDINARY_URL. */
    media: MediaService;
    /** The dev media store (Cloudinary's test double) when it is in use, else null. */
    devMediaStore: DevMediaStore | null;
    /** Background deletion of the assets of deleted photos: `kick()` after a commit that deleted rows. */
    assetDeletions: AssetDeletions;
  }
}

/**
 * Photos on Cloudinary (or the dev media store): decorates the app, installs the photo
 * confirmation verifier, registers the webhook (outside /api) and the dev media store's routes.
 * Returns the routes to register inside the authenticated `/api` scope.
 */
export async function registerPhotoMedia(app: FastifyInstance): Promise<FastifyPluginAsync> {
  const { config, db } = app;
  const publicUrl = () => app.config.publicUrl;
  const algorithm = config.cloudinarySignatureAlgorithm;
  const configuredLimits = {
    ...(config.mediaMaxBytes !== undefined ? { maxBytes: config.mediaMaxBytes } : {}),
    ...(config.mediaMaxPixels !== undefined ? { maxPixels: config.mediaMaxPixels } : {}),
  };
  const devMediaStore = config.cloudinaryUrl
    ? null
    : new DevMediaStore({
        root: join(config.dataDir, 'media'),
        account: await loadDevMediaAccount(join(config.dataDir, 'media', 'api-secret'), algorithm),
        publicUrl,
        limits: { ...FREE_PLAN_LIMITS, ...configuredLimits },
        log: app.log,
      });
  const media =
    devMediaStore ??
    cloudinaryMediaService(parseCloudinaryUrl(config.cloudinaryUrl!, algorithm), {
      limits: configuredLimits,
      log: app.log,
    });
  if (!devMediaStore && unreachablePublicUrl(config.publicUrl)) {
    // Production refuses this at start; elsewhere a tunnel may be on its way, so only a warning.
    app.log.warn(
      { publicUrl: config.publicUrl },
      'Cloudinary cannot reach PUBLIC_URL: upload notifications will not arrive',
    );
  }
  const assetDeletions = new AssetDeletions(db, media, app.log);
  app.decorate('media', media);
  app.decorate('devMediaStore', devMediaStore);
  app.decorate('assetDeletions', assetDeletions);
  app.photoConfirmations = photoConfirmationVerifier(media);
  app.addHook('preClose', () => assetDeletions.idle());
  // Deletions a previous process queued but did not finish.
  app.addHook('onReady', async () => assetDeletions.kick());
  // The account's limits are read in the background, so the first signing need not wait for them.
  app.addHook('onReady', async () => void media.limits());

  await app.register(cloudinaryWebhookRoutes, { media, db });
  if (devMediaStore) {
    await app.register(async (scope) => {
      await scope.register(rateLimit, ipRateLimit(config));
      await scope.register(devMediaStore.routes);
    });
  }
  return async (api) => {
    await api.register(cloudinaryUploadRoutes, { media, db, publicUrl });
  };
}

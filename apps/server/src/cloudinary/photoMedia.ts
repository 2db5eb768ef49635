import { join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { unreachablePublicUrl } from '../config';
import type { PhotoConfirmationVerifier } from '../crudApply/photoConfirmations';
import { ipRateLimit } from '../ipRateLimit';
import { loadDevMediaAccount } from '../media/devAccount';
import { DevMediaStore } from '../media/devMediaStore';
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
    /** Checks a photo PATCH's upload confirmation for the CRUD apply (crudApply/photoConfirmations.ts). */
    photoConfirmations: PhotoConfirmationVerifier;
  }
}

/**
 * Photos on Cloudinary (or the dev media store), one plugin registered once at the app's root:
 * decorates the app with the media service, the dev media store, the asset deletions and the photo
 * confirmation verifier (fastify-plugin: the `/api` routes see them), and registers the webhook
 * (outside /api) and the dev media store's routes. The signing route reads `app.media`.
 */
export const photoMedia = fp(registerPhotoMedia, {
  name: 'vhd-photo-media',
  decorators: { fastify: ['config', 'db'] },
});

async function registerPhotoMedia(app: FastifyInstance): Promise<void> {
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
  app.decorate('photoConfirmations', photoConfirmationVerifier(media));
  app.addHook('preClose', () => assetDeletions.idle());
  // Deletions a previous process queued but did not finish.
  app.addHook('onReady', async () => assetDeletions.kick());
  // The account's limits are read in the background, so the first signing need not wait for them.
  app.addHook('onReady', async () => void media.limits());

  await app.register(cloudinaryWebhookRoutes);
  if (devMediaStore) {
    await app.register(async (scope) => {
      await scope.register(rateLimit, ipRateLimit(config));
      await scope.register(devMediaStore.routes);
    });
  }
}

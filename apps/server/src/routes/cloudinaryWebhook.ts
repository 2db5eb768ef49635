import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { admitNotification } from '../cloudinary/notificationReplays';
import { fillPhotoAsset } from '../cloudinary/photoRows';
import { parsePhotoPublicId } from '../cloudinary/photoUpload';
import { checkNotification } from '../cloudinary/signature';
import { isStorableText } from '../crudApply/clientText';
import { HttpError } from '../errors';
import { faultPoint } from '../faultPoints';
import { ipRateLimit } from '../ipRateLimit';

export const CLOUDINARY_WEBHOOK_PATH = '/webhooks/cloudinary';

interface UploadNotification {
  notification_type?: unknown;
  asset_id?: unknown;
  public_id?: unknown;
  version?: unknown;
  bytes?: unknown;
  width?: unknown;
  height?: unknown;
}

const Answer = Type.Object({ ok: Type.Literal(true), updated: Type.Boolean() });

/**
 * `POST /webhooks/cloudinary`: Cloudinary's (or the dev media store's) upload notification. It tells
 * the server about an upload the app may never have seen finish, so signing that photo again answers
 * `already_uploaded`. Authenticated by its signature over the raw body, not by a user token, so the
 * body has no schema: it is parsed only once the signature over its exact bytes verified.
 */
export const cloudinaryWebhookRoutes: FastifyPluginAsyncTypebox = async (scope) => {
  const { media, db } = scope;
  // No session to limit by: per IP (Cloudinary posts from few addresses: the limit is generous).
  await scope.register(rateLimit, ipRateLimit(scope.config));
  // The signature covers the exact bytes: keep the body as text and parse it after verifying.
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  scope.post(CLOUDINARY_WEBHOOK_PATH, { schema: { response: { 200: Answer } } }, async (request) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const timestamp = Number(request.headers['x-cld-timestamp']);
    const signature = request.headers['x-cld-signature'];
    if (!body || !Number.isInteger(timestamp) || typeof signature !== 'string') {
      throw new HttpError(
        400,
        'invalid',
        'Expected a JSON body with X-Cld-Timestamp and X-Cld-Signature headers',
      );
    }
    const check = checkNotification({
      body,
      timestamp,
      signature,
      apiSecret: media.account.apiSecret,
      algorithm: media.account.signatureAlgorithm,
      nowS: Math.floor(Date.now() / 1000),
    });
    if (check !== 'valid') {
      const message =
        check === 'stale' ? 'X-Cld-Timestamp is more than 2 hours off' : 'X-Cld-Signature does not verify';
      throw new HttpError(401, check === 'stale' ? 'stale_signature' : 'bad_signature', message);
    }
    let notification: UploadNotification;
    try {
      notification = JSON.parse(body) as UploadNotification;
    } catch {
      throw new HttpError(400, 'invalid', 'Body is not JSON');
    }
    const photo =
      typeof notification.public_id === 'string' ? parsePhotoPublicId(notification.public_id) : null;
    const version = Number(notification.version);
    if (
      notification.notification_type !== 'upload' ||
      !photo ||
      !Number.isSafeInteger(version) ||
      version <= 0
    ) {
      // Other notification types and other assets are not ours to act on; Cloudinary only needs a 2xx.
      return { ok: true as const, updated: false };
    }
    const publicId = notification.public_id as string;
    // Kept for the log only: text Postgres cannot store is dropped, never a 500.
    const assetId =
      typeof notification.asset_id === 'string' && isStorableText(notification.asset_id)
        ? notification.asset_id
        : null;
    faultPoint('webhook.beforeFill', publicId);
    const { verdict, updated } = await db.transaction(async (tx) => {
      const verdict = await admitNotification(tx, { publicId, version, assetId });
      if (verdict !== 'new') return { verdict, updated: false };
      const updated = await fillPhotoAsset(tx, {
        ...photo,
        publicId,
        version,
        // Derived as a confirmation derives it, so the stored URL is the same whichever arrives first.
        url: media.deliveryUrl(publicId, version),
        bytes: positiveInteger(notification.bytes),
        width: positiveInteger(notification.width),
        height: positiveInteger(notification.height),
      });
      return { verdict, updated };
    });
    request.log.info({ publicId, version, verdict, updated }, 'cloudinary upload notification');
    return { ok: true as const, updated };
  });
};

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

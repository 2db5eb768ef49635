import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SignAnswer, SignRequest } from '@vhd/sync-contract';
import type { MediaService } from '../cloudinary/mediaService';
import { fillPhotoAsset, findPhotoAssets, type PhotoAssetRow } from '../cloudinary/photoRows';
import { photoPublicId, signPhotoUpload } from '../cloudinary/photoUpload';
import type { Queryable } from '../db';
import { faultPoint } from '../faultPoints';
import { CLOUDINARY_WEBHOOK_PATH } from './cloudinaryWebhook';

/**
 * `POST /api/cloudinaryUpload { photoIds }` (register inside the authenticated `/api` scope, after
 * the photo media plugin): one signed parameter set per photo the caller's organization owns and
 * has not uploaded yet. Cloudinary has no presigned URLs: each entry is the upload URL plus the
 * multipart fields to post with the file.
 */
export const cloudinaryUploadRoutes: FastifyPluginAsyncTypebox = async (scope) => {
  const { media, db } = scope;
  scope.post(
    '/cloudinaryUpload',
    { schema: { body: SignRequest, response: { 200: SignAnswer } } },
    async (request): Promise<SignAnswer> => {
      const { orgId } = request.auth;
      const photoIds = [...new Set(request.body.photoIds.map((id) => id.toLowerCase()))];
      const rows = new Map((await findPhotoAssets(db, photoIds)).map((row) => [row.id, row]));
      if (request.body.confirmExisting) {
        for (const row of rows.values()) {
          if (row.org_id === orgId && !row.cloudinary_url) await confirmFromStore({ media, db }, row);
        }
      }
      const notificationUrl = `${scope.config.publicUrl}${CLOUDINARY_WEBHOOK_PATH}`;
      const uploadUrl = media.uploadUrl();
      const nowMs = Date.now();
      const uploads: SignAnswer['uploads'] = [];
      const rejected: SignAnswer['rejected'] = [];
      for (const photoId of photoIds) {
        const row = rows.get(photoId);
        if (!row) {
          rejected.push({ photoId, code: 'unknown_photo' });
        } else if (row.org_id !== orgId) {
          rejected.push({ photoId, code: 'forbidden' });
        } else if (row.cloudinary_url) {
          rejected.push({ photoId, code: 'already_uploaded', cloudinary_url: row.cloudinary_url });
        } else {
          const signed = signPhotoUpload({ account: media.account, orgId, photoId, notificationUrl, nowMs });
          uploads.push({ photoId, url: uploadUrl, ...signed });
        }
      }
      faultPoint('sign.beforeAnswer');
      // The phone never sends a file it knows the store would refuse (null: not known right now).
      return { uploads, rejected, limits: await media.limits() };
    },
  );
};

/** Fills a photo row from the media store's own record of its asset, if it has one. */
async function confirmFromStore(
  options: { media: MediaService; db: Queryable },
  row: PhotoAssetRow,
): Promise<void> {
  const publicId = photoPublicId(row.org_id, row.id);
  const found = await options.media.resource(publicId);
  if (!found) return;
  await fillPhotoAsset(options.db, {
    orgId: row.org_id,
    photoId: row.id,
    publicId,
    version: found.version,
    url: options.media.deliveryUrl(publicId, found.version),
    bytes: found.bytes,
    width: found.width,
    height: found.height,
  });
  row.cloudinary_url = options.media.deliveryUrl(publicId, found.version);
}

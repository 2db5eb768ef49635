import type { FastifyInstance } from 'fastify';
import type { MediaService } from '../cloudinary/mediaService';
import { fillPhotoAsset, findPhotoAssets, type PhotoAssetRow } from '../cloudinary/photoRows';
import { photoPublicId, signPhotoUpload } from '../cloudinary/photoUpload';
import type { Queryable } from '../db';
import { faultPoint } from '../faultPoints';
import { CLOUDINARY_WEBHOOK_PATH } from './cloudinaryWebhook';

export const MAX_PHOTOS_PER_SIGNING = 50;

type Rejection =
  | { photoId: string; code: 'unknown_photo' | 'forbidden' }
  | { photoId: string; code: 'already_uploaded'; cloudinary_url: string };

const bodySchema = {
  type: 'object',
  required: ['photoIds'],
  additionalProperties: false,
  properties: {
    photoIds: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_PHOTOS_PER_SIGNING,
      items: {
        type: 'string',
        pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      },
    },
    /**
     * The media store answered these photos' uploads as already existing but without the fields
     * a confirmation needs: look them up in the store before signing them again.
     */
    confirmExisting: { type: 'boolean' },
  },
} as const;

/**
 * `POST /api/cloudinaryUpload { photoIds }` (register inside the authenticated `/api` scope): one signed parameter set per photo the caller's
 * organization owns and has not uploaded yet. Cloudinary has no presigned URLs: each entry is the
 * upload URL plus the multipart fields to post with the file.
 */
export async function cloudinaryUploadRoutes(
  scope: FastifyInstance,
  options: {
    media: MediaService;
    db: Queryable;
    publicUrl: () => string;
  },
): Promise<void> {
  scope.post('/cloudinaryUpload', { schema: { body: bodySchema } }, async (request) => {
    const { orgId } = request.auth;
    const body = request.body as { photoIds: string[]; confirmExisting?: boolean };
    const photoIds = [...new Set(body.photoIds.map((id) => id.toLowerCase()))];
    const rows = new Map((await findPhotoAssets(options.db, photoIds)).map((row) => [row.id, row]));
    if (body.confirmExisting) {
      for (const row of rows.values()) {
        if (row.org_id === orgId && !row.cloudinary_url) await confirmFromStore(options, row);
      }
    }
    const notificationUrl = `${options.publicUrl()}${CLOUDINARY_WEBHOOK_PATH}`;
    const uploadUrl = options.media.uploadUrl();
    const nowMs = Date.now();
    const uploads: { photoId: string; url: string; fields: Record<string, string>; expiresAt: string }[] = [];
    const rejected: Rejection[] = [];
    for (const photoId of photoIds) {
      const row = rows.get(photoId);
      if (!row) {
        rejected.push({ photoId, code: 'unknown_photo' });
      } else if (row.org_id !== orgId) {
        rejected.push({ photoId, code: 'forbidden' });
      } else if (row.cloudinary_url) {
        rejected.push({ photoId, code: 'already_uploaded', cloudinary_url: row.cloudinary_url });
      } else {
        const signed = signPhotoUpload({
          account: options.media.account,
          orgId,
          photoId,
          notificationUrl,
          nowMs,
        });
        uploads.push({ photoId, url: uploadUrl, ...signed });
      }
    }
    faultPoint('sign.beforeAnswer');
    // The phone never sends a file it knows the store would refuse (null: not known right now).
    return { uploads, rejected, limits: await options.media.limits() };
  });
}

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

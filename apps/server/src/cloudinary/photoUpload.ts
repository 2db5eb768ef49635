import type { SignedUpload } from '@vhd/sync-contract';
import type { CloudinaryAccount } from './account';
import { signParams } from './signature';

/** Formats a photo may be uploaded in (Cloudinary's `allowed_formats`). */
export const ALLOWED_FORMATS = ['jpg', 'jpeg', 'png', 'heic', 'webp'] as const;

/** Cloudinary refuses signed params older than this. */
export const SIGNATURE_VALIDITY_S = 3600;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// Organization ids come from Clerk (`org_…`), photo ids are client-made uuids.
const PHOTO_PUBLIC_ID = new RegExp(`^vhd/([A-Za-z0-9_-]+)/photos/(${UUID})$`, 'i');

/** The deterministic public id of a photo: the full path, no `folder` param (same in both folder modes). */
export function photoPublicId(orgId: string, photoId: string): string {
  return `vhd/${orgId}/photos/${photoId}`;
}

export function parsePhotoPublicId(publicId: string): { orgId: string; photoId: string } | null {
  const match = PHOTO_PUBLIC_ID.exec(publicId);
  return match ? { orgId: match[1]!, photoId: match[2]! } : null;
}

/**
 * Signs one photo upload. The client chooses nothing: the public id, overwrite rule, allowed formats
 * and notification URL are fixed here. `fields`: the signed params plus `api_key` and `signature`.
 */
export function signPhotoUpload(input: {
  account: CloudinaryAccount;
  orgId: string;
  photoId: string;
  notificationUrl: string;
  nowMs: number;
}): Pick<SignedUpload, 'fields' | 'expiresAt'> {
  const timestamp = Math.floor(input.nowMs / 1000);
  const params = {
    allowed_formats: ALLOWED_FORMATS.join(','),
    notification_url: input.notificationUrl,
    overwrite: 'false',
    public_id: photoPublicId(input.orgId, input.photoId),
    timestamp: String(timestamp),
  };
  return {
    fields: {
      ...params,
      api_key: input.account.apiKey,
      signature: signParams(params, input.account.apiSecret, input.account.signatureAlgorithm),
    },
    expiresAt: new Date((timestamp + SIGNATURE_VALIDITY_S) * 1000).toISOString(),
  };
}

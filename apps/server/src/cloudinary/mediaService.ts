import { v2 as cloudinary } from 'cloudinary';
import type { CloudinaryAccount } from './account';

/**
 * Where photos live: Cloudinary in production, the dev media store (its test double) otherwise.
 * Everything else (signing, confirmation, webhook) is the same for both.
 */
export interface MediaService {
  readonly kind: 'cloudinary' | 'dev-media-store';
  readonly account: CloudinaryAccount;
  /** Where a client posts a signed multipart upload. */
  uploadUrl(): string;
  /** The delivery URL of an uploaded asset; the extension is optional (the original format is served). */
  deliveryUrl(publicId: string, version: number, format?: string): string;
  /** Deletes an asset; a missing one is not an error. */
  destroy(publicId: string): Promise<void>;
}

export function cloudinaryMediaService(account: CloudinaryAccount): MediaService {
  const credentials = {
    cloud_name: account.cloudName,
    api_key: account.apiKey,
    api_secret: account.apiSecret,
  };
  return {
    kind: 'cloudinary',
    account,
    uploadUrl: () => `https://api.cloudinary.com/v1_1/${account.cloudName}/image/upload`,
    deliveryUrl: (publicId, version, format) =>
      cloudinary.url(publicId, {
        cloud_name: account.cloudName,
        version,
        secure: true,
        urlAnalytics: false,
        ...(format ? { format } : {}),
      }),
    async destroy(publicId) {
      // The typings list only a few options; the SDK takes credentials per call, avoiding global config.
      const options = { ...credentials, resource_type: 'image', type: 'upload', invalidate: true };
      const result = (await cloudinary.uploader.destroy(publicId, options as never)) as { result?: string };
      if (result.result !== 'ok' && result.result !== 'not found') {
        throw new Error(`Cloudinary destroy of ${publicId} answered ${JSON.stringify(result)}`);
      }
    },
  };
}

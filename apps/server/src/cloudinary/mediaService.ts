import { v2 as cloudinary } from 'cloudinary';
import type { FastifyBaseLogger } from 'fastify';
import type { CloudinaryAccount } from './account';
import { AccountLimits, type MediaLimits } from './mediaLimits';

/** What a media store holds under a public id. */
export interface StoredResource {
  publicId: string;
  version: number;
  bytes: number | null;
  width: number | null;
  height: number | null;
}

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
  /** The largest image the store takes; null while unknown. */
  limits(): Promise<MediaLimits | null>;
  /** The stored asset under a public id, or null (asks Cloudinary's Admin API: rate-limited, use rarely). */
  resource(publicId: string): Promise<StoredResource | null>;
}

export function cloudinaryMediaService(
  account: CloudinaryAccount,
  options: { limits: Partial<MediaLimits>; log: FastifyBaseLogger },
): MediaService {
  // The typings list only a few options; the SDK takes credentials per call, avoiding global config.
  const credentials = {
    cloud_name: account.cloudName,
    api_key: account.apiKey,
    api_secret: account.apiSecret,
    signature_algorithm: account.signatureAlgorithm,
  };
  const accountLimits = new AccountLimits({
    configured: options.limits,
    readUsage: () => cloudinary.api.usage(credentials as never),
    log: options.log,
  });
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
      const options = { ...credentials, resource_type: 'image', type: 'upload', invalidate: true };
      const result = (await cloudinary.uploader.destroy(publicId, options as never)) as { result?: string };
      if (result.result !== 'ok' && result.result !== 'not found') {
        throw new Error(`Cloudinary destroy of ${publicId} answered ${JSON.stringify(result)}`);
      }
    },
    limits: () => accountLimits.get(),
    async resource(publicId) {
      try {
        const found = (await cloudinary.api.resource(publicId, {
          ...credentials,
          resource_type: 'image',
          type: 'upload',
        } as never)) as {
          public_id: string;
          version: number;
          bytes?: number;
          width?: number;
          height?: number;
        };
        return {
          publicId: found.public_id,
          version: found.version,
          bytes: found.bytes ?? null,
          width: found.width ?? null,
          height: found.height ?? null,
        };
      } catch (error) {
        if ((error as { error?: { http_code?: number } }).error?.http_code === 404) return null;
        throw error;
      }
    },
  };
}

import type { CloudinaryAccount } from '../cloudinary/account';
import { SIGNATURE_VALIDITY_S } from '../cloudinary/photoUpload';
import { sameHex, signParams } from '../cloudinary/signature';

/** Upload params the dev media store understands; a signed param outside this set is refused, not ignored. */
const SUPPORTED_PARAMS = new Set([
  'public_id',
  'timestamp',
  'overwrite',
  'allowed_formats',
  'notification_url',
]);
/** Fields Cloudinary leaves out of the string to sign. */
const UNSIGNED_FIELDS = new Set(['signature', 'api_key', 'file', 'cloud_name', 'resource_type']);
const SAFE_PUBLIC_ID = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

export interface UploadRequest {
  publicId: string;
  overwrite: boolean;
  allowedFormats: string | null;
  notificationUrl: string | null;
}

export class UploadRefused extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a multipart upload's fields as Cloudinary does for a signed upload: the right api key, a
 * signature over every other param, a timestamp under an hour old.
 */
export function verifySignedUpload(
  fields: Record<string, string>,
  account: CloudinaryAccount,
  nowMs: number,
): UploadRequest {
  if (!fields.signature || !fields.api_key) {
    throw new UploadRefused(401, 'unsigned_upload', 'Upload must be signed (api_key, timestamp, signature)');
  }
  if (fields.api_key !== account.apiKey) {
    throw new UploadRefused(401, 'invalid_api_key', 'Unknown api_key');
  }
  const params = Object.fromEntries(Object.entries(fields).filter(([name]) => !UNSIGNED_FIELDS.has(name)));
  if (!sameHex(fields.signature, signParams(params, account.apiSecret, account.signatureAlgorithm))) {
    throw new UploadRefused(401, 'invalid_signature', 'Invalid signature');
  }
  const timestamp = Number(params.timestamp);
  if (!Number.isInteger(timestamp)) {
    throw new UploadRefused(400, 'invalid', 'timestamp is required');
  }
  const nowS = Math.floor(nowMs / 1000);
  if (nowS - timestamp > SIGNATURE_VALIDITY_S || timestamp - nowS > SIGNATURE_VALIDITY_S) {
    // Cloudinary's own words (clients recognise them: re-sign, the photo is not at fault).
    const reported = new Date(timestamp * 1000)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' +0000');
    throw new UploadRefused(
      401,
      'stale_request',
      `Stale request - reported time is ${reported} which is more than 1 hour ago`,
    );
  }
  const unsupported = Object.keys(params).filter((name) => !SUPPORTED_PARAMS.has(name));
  if (unsupported.length > 0) {
    throw new UploadRefused(400, 'unsupported_param', `Unsupported upload params: ${unsupported.join(', ')}`);
  }
  const publicId = params.public_id;
  if (!publicId || !SAFE_PUBLIC_ID.test(publicId)) {
    throw new UploadRefused(400, 'invalid', 'public_id is required (letters, digits, _ - and / only)');
  }
  return {
    publicId,
    // Cloudinary's default for signed uploads is to overwrite.
    overwrite: params.overwrite !== 'false' && params.overwrite !== '0',
    allowedFormats: params.allowed_formats ?? null,
    notificationUrl: params.notification_url ?? null,
  };
}

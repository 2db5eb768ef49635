import { timingSafeEqual } from 'node:crypto';
import { v2 as cloudinary } from 'cloudinary';
import type { SignatureAlgorithm } from './account';

// The SDK's `verify_api_response_signature`, `verifyNotificationSignature` and, when not told,
// `api_sign_request` read the secret, the algorithm and the signature version from its process-wide
// config (which `CLOUDINARY_URL`'s query string can change). These wrappers pass all three
// explicitly (one process may serve a real account and the dev media store's) and otherwise run the
// SDK's own algorithms.

type SignableValue = string | number;
type ApiSignRequest = (
  params: Record<string, SignableValue>,
  apiSecret: string,
  algorithm?: string | null,
  signatureVersion?: number | null,
) => string;
const apiSignRequest = cloudinary.utils.api_sign_request as unknown as ApiSignRequest;
/** Version 2 (the SDK's default) escapes `&` in values, so one param cannot pose as two. */
const REQUEST_SIGNATURE_VERSION = 2;

/** Upload/API request signature: a hash of the sorted `k=v&…` params followed by the secret. */
export function signParams(
  params: Record<string, SignableValue>,
  apiSecret: string,
  algorithm: SignatureAlgorithm = 'sha1',
): string {
  return apiSignRequest(params, apiSecret, algorithm, REQUEST_SIGNATURE_VERSION);
}

/**
 * The `signature` of an upload response. Cloudinary (and the SDK's `verify_api_response_signature`)
 * sign `public_id` and `version` with signature version 1, in the account's algorithm.
 */
export function responseSignature(
  publicId: string,
  version: SignableValue,
  apiSecret: string,
  algorithm: SignatureAlgorithm = 'sha1',
): string {
  return apiSignRequest({ public_id: publicId, version }, apiSecret, algorithm, 1);
}

export function verifyResponseSignature(
  publicId: string,
  version: SignableValue,
  signature: string,
  apiSecret: string,
  algorithm: SignatureAlgorithm = 'sha1',
): boolean {
  return sameHex(signature, responseSignature(publicId, version, apiSecret, algorithm));
}

/** `X-Cld-Signature` of a notification: hash of raw body + `X-Cld-Timestamp` + secret. */
export function notificationSignature(
  body: string,
  timestamp: number,
  apiSecret: string,
  algorithm: SignatureAlgorithm = 'sha1',
): string {
  return cloudinary.utils.webhook_signature(body, timestamp, {
    api_secret: apiSecret,
    signature_algorithm: algorithm,
  });
}

export type NotificationCheck = 'valid' | 'bad_signature' | 'stale';

/** Mirrors the SDK's `verifyNotificationSignature` (2 h validity), also refusing far-future stamps. */
export function checkNotification(input: {
  body: string;
  timestamp: number;
  signature: string;
  apiSecret: string;
  algorithm?: SignatureAlgorithm;
  nowS: number;
  validForS?: number;
}): NotificationCheck {
  const validForS = input.validForS ?? 7200;
  const expected = notificationSignature(input.body, input.timestamp, input.apiSecret, input.algorithm);
  if (!sameHex(input.signature, expected)) return 'bad_signature';
  return Math.abs(input.nowS - input.timestamp) > validForS ? 'stale' : 'valid';
}

/** Constant-time comparison of two hex digests. */
export function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase(), 'utf8');
  const right = Buffer.from(b.toLowerCase(), 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

import { timingSafeEqual } from 'node:crypto';
import { v2 as cloudinary } from 'cloudinary';

// The SDK's `verify_api_response_signature` and `verifyNotificationSignature` read the secret from
// its process-wide config; these wrappers take the secret explicitly (one process may serve a real
// account and the dev media store's) and otherwise run the SDK's own algorithms.

type SignableValue = string | number;
type ApiSignRequest = (
  params: Record<string, SignableValue>,
  apiSecret: string,
  algorithm?: string | null,
  signatureVersion?: number | null,
) => string;
const apiSignRequest = cloudinary.utils.api_sign_request as unknown as ApiSignRequest;

/** Upload/API request signature: SHA-1 over the sorted `k=v&…` params followed by the secret. */
export function signParams(params: Record<string, SignableValue>, apiSecret: string): string {
  return apiSignRequest(params, apiSecret);
}

/**
 * The `signature` of an upload response. Cloudinary (and the SDK's `verify_api_response_signature`)
 * sign `public_id` and `version` with signature version 1.
 */
export function responseSignature(publicId: string, version: SignableValue, apiSecret: string): string {
  return apiSignRequest({ public_id: publicId, version }, apiSecret, null, 1);
}

export function verifyResponseSignature(
  publicId: string,
  version: SignableValue,
  signature: string,
  apiSecret: string,
): boolean {
  return sameHex(signature, responseSignature(publicId, version, apiSecret));
}

/** `X-Cld-Signature` of a notification: SHA-1 of raw body + `X-Cld-Timestamp` + secret. */
export function notificationSignature(body: string, timestamp: number, apiSecret: string): string {
  return cloudinary.utils.webhook_signature(body, timestamp, { api_secret: apiSecret });
}

export type NotificationCheck = 'valid' | 'bad_signature' | 'stale';

/** Mirrors the SDK's `verifyNotificationSignature` (2 h validity), also refusing far-future stamps. */
export function checkNotification(input: {
  body: string;
  timestamp: number;
  signature: string;
  apiSecret: string;
  nowS: number;
  validForS?: number;
}): NotificationCheck {
  const validForS = input.validForS ?? 7200;
  if (!sameHex(input.signature, notificationSignature(input.body, input.timestamp, input.apiSecret))) {
    return 'bad_signature';
  }
  return Math.abs(input.nowS - input.timestamp) > validForS ? 'stale' : 'valid';
}

/** Constant-time comparison of two hex digests. */
export function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase(), 'utf8');
  const right = Buffer.from(b.toLowerCase(), 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

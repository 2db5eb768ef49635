// The batch signing client: `POST /api/cloudinaryUpload { photoIds }` (≤ signBatchSize ids).
import type { ApiClient } from './apiClient';
import type { Connectivity } from './ports';
import { type Stop, stopForFailure } from './stopCause';

export interface SignedUpload {
  photoId: string;
  url: string;
  fields: Record<string, string>;
}

export type SignRejectionCode = 'unknown_photo' | 'forbidden' | 'already_uploaded';

export interface SignRejection {
  photoId: string;
  code: SignRejectionCode | string;
}

/** The largest image the media store takes, as the server knows it. */
export interface MediaLimits {
  maxBytes: number;
  maxPixels: number;
}

export type SignOutcome =
  | { ok: true; uploads: SignedUpload[]; rejected: SignRejection[]; limits: MediaLimits | null }
  | { ok: false; stop: Stop };

interface SignAnswer {
  uploads?: Array<{ photoId?: unknown; url?: unknown; fields?: unknown }>;
  rejected?: Array<{ photoId?: unknown; code?: unknown }>;
  limits?: { maxBytes?: unknown; maxPixels?: unknown } | null;
}

/**
 * Signs one batch. Server trouble, a lost network or a signed-out user come back as a stop; an
 * answer the contract does not allow (another 4xx, a malformed body) is a bug and throws.
 */
export async function signPhotos(
  api: ApiClient,
  photoIds: string[],
  opts: {
    signal: AbortSignal;
    timeoutMs: number;
    connectivity: Connectivity;
    /**
     * The media store answered these photos as already stored but without what a confirmation
     * needs: the server looks them up in the store (answering `already_uploaded`) before signing.
     */
    confirmExisting?: boolean;
  },
): Promise<SignOutcome> {
  const res = await api.post<SignAnswer>(
    '/api/cloudinaryUpload',
    { photoIds, ...(opts.confirmExisting ? { confirmExisting: true } : {}) },
    {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
    },
  );
  if (!res.ok) {
    const f = res.failure;
    if (f.kind === 'http' && f.status >= 400 && f.status < 500 && f.status !== 408 && f.status !== 429) {
      throw new Error(`photo signing refused the batch: ${f.message}`);
    }
    return { ok: false, stop: await stopForFailure(f, opts.connectivity) };
  }
  const asked = new Set(photoIds);
  const uploads: SignedUpload[] = [];
  const rejected: SignRejection[] = [];
  for (const u of res.body.uploads ?? []) {
    if (
      typeof u.photoId !== 'string' ||
      !asked.has(u.photoId) ||
      typeof u.url !== 'string' ||
      !isRecord(u.fields)
    ) {
      throw new Error(`photo signing answered a malformed upload: ${JSON.stringify(u)}`);
    }
    const fields = Object.fromEntries(Object.entries(u.fields).map(([k, v]) => [k, String(v)]));
    uploads.push({ photoId: u.photoId, url: u.url, fields });
    asked.delete(u.photoId);
  }
  for (const r of res.body.rejected ?? []) {
    if (typeof r.photoId !== 'string' || !asked.has(r.photoId) || typeof r.code !== 'string') {
      throw new Error(`photo signing answered a malformed rejection: ${JSON.stringify(r)}`);
    }
    rejected.push({ photoId: r.photoId, code: r.code });
    asked.delete(r.photoId);
  }
  // An id the server left out has not been signed: like an unknown photo, it is tried again later.
  for (const photoId of asked) rejected.push({ photoId, code: 'unknown_photo' });
  return { ok: true, uploads, rejected, limits: limitsOf(res.body.limits) };
}

/** The answer's limits; anything but two positive numbers means none are known. */
function limitsOf(value: SignAnswer['limits']): MediaLimits | null {
  const { maxBytes, maxPixels } = value ?? {};
  return typeof maxBytes === 'number' && maxBytes > 0 && typeof maxPixels === 'number' && maxPixels > 0
    ? { maxBytes, maxPixels }
    : null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// The batch signing client: `POST /api/cloudinaryUpload { photoIds }` (≤ signBatchSize ids).
import type { MediaLimits, SignRejection as WireSignRejection } from '@vhd/sync-contract';
import type { ApiClient } from './apiClient';
import type { ServerFailure } from './failurePolicy';
import type { RunBudget } from './runBudget';

export interface SignedUpload {
  photoId: string;
  url: string;
  fields: Record<string, string>;
}

export type SignRejectionCode = WireSignRejection['code'];

export interface SignRejection {
  photoId: string;
  code: SignRejectionCode | string;
}

/** The largest image the media store takes, as the server knows it. */
export type { MediaLimits };

export type SignOutcome =
  | { ok: true; uploads: SignedUpload[]; rejected: SignRejection[]; limits: MediaLimits | null }
  /** Not signed; `failurePolicy.classify` says what it means (a malformed answer among them). */
  | { ok: false; failure: ServerFailure };

interface SignAnswer {
  uploads?: Array<{ photoId?: unknown; url?: unknown; fields?: unknown }>;
  rejected?: Array<{ photoId?: unknown; code?: unknown }>;
  limits?: { maxBytes?: unknown; maxPixels?: unknown } | null;
}

/**
 * Signs one batch. Every id asked must come back once, as an upload or a rejection; an answer
 * that breaks this (or names an id not asked, or lacks a field) is a `malformed` failure.
 */
export async function signPhotos(
  api: ApiClient,
  photoIds: string[],
  opts: {
    budget: RunBudget;
    timeoutMs: number;
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
      budget: opts.budget,
      timeoutMs: opts.timeoutMs,
    },
  );
  if (!res.ok) return { ok: false, failure: res.failure };
  const malformed = (message: string): SignOutcome => ({
    ok: false,
    failure: { kind: 'malformed', message: `signing answer: ${message}` },
  });
  const body: unknown = res.body;
  if (!isRecord(body) || !Array.isArray(body.uploads ?? []) || !Array.isArray(body.rejected ?? [])) {
    return malformed('not { uploads, rejected }');
  }
  const asked = new Set(photoIds);
  const uploads: SignedUpload[] = [];
  const rejected: SignRejection[] = [];
  for (const u of res.body.uploads ?? []) {
    if (
      !isRecord(u) ||
      typeof u.photoId !== 'string' ||
      !asked.has(u.photoId) ||
      typeof u.url !== 'string' ||
      !isRecord(u.fields)
    ) {
      return malformed(`an upload ${JSON.stringify(u)}`);
    }
    const fields = Object.fromEntries(Object.entries(u.fields).map(([k, v]) => [k, String(v)]));
    uploads.push({ photoId: u.photoId, url: u.url, fields });
    asked.delete(u.photoId);
  }
  for (const r of res.body.rejected ?? []) {
    if (
      !isRecord(r) ||
      typeof r.photoId !== 'string' ||
      !asked.has(r.photoId) ||
      typeof r.code !== 'string'
    ) {
      return malformed(`a rejection ${JSON.stringify(r)}`);
    }
    rejected.push({ photoId: r.photoId, code: r.code });
    asked.delete(r.photoId);
  }
  if (asked.size > 0) return malformed(`${asked.size} photo(s) left unanswered`);
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

// One photo's upload to the media store through the uploadFile port, with progress-based stall
// detection, classified by what the failure means for the item.
import { abortReason, anySignal } from './abort';
import type { Confirmation } from './photoQueueStore';
import type { UploadFilePort } from './ports';

/** What an uploadFile port rejects with when the local file cannot be read (not a network failure). */
export class FileReadError extends Error {
  override name = 'FileReadError';
  constructor(
    message: string,
    /** The file does not exist (as opposed to existing but unreadable). */
    readonly missing: boolean,
  ) {
    super(message);
  }
}

export class UploadStalledError extends Error {
  override name = 'UploadStalledError';
}

export type UploadOutcome =
  /** The store holds the file (`existing`: it already did, nothing new was stored). */
  | { kind: 'stored'; confirmation: Confirmation; existing: boolean; sentBytes: number }
  /** The store refused this item (4xx): counts as an attempt. */
  | { kind: 'refused'; reason: string; sentBytes: number }
  /** The local file could not be read: counts as an attempt; a missing file fails at once. */
  | { kind: 'unreadable'; reason: string; missing: boolean }
  /** The store refused this item for good (over its size or pixel limit): FAILED at once. */
  | { kind: 'refusedForGood'; reason: string; sentBytes: number }
  /** Cloudinary's rate limit (420, or 429): stop uploading for this run; never an attempt. */
  | { kind: 'rateLimited'; reason: string; sentBytes: number }
  /** The signed params were refused as stale ("Stale request"): sign again; never an attempt. */
  | { kind: 'stale'; reason: string; sentBytes: number }
  /**
   * A success answer without what a confirmation needs (an existing asset may be answered so):
   * the server confirms it with the store instead; never an attempt.
   */
  | { kind: 'unconfirmed'; reason: string; sentBytes: number }
  /** Network failure, stall, 5xx, 408: says nothing about the item, never an attempt. */
  | { kind: 'transient'; reason: string; sentBytes: number }
  /** The run's signal aborted (deadline, app became active). */
  | { kind: 'aborted'; reason: Error; sentBytes: number };

export async function uploadPhoto(opts: {
  uploadFile: UploadFilePort;
  /** Absolute path of the file. */
  path: string;
  url: string;
  fields: Record<string, string>;
  signal: AbortSignal;
  /** Abandon the upload when no byte was sent for this long. */
  stallMs: number;
  /**
   * Once the whole body is handed to the OS, progress events stop while its socket buffers still
   * drain over the real link (MBs on a slow link with several uploads in flight). The answer may
   * then take stallMs plus the body's size at this floor rate before the upload counts as stalled.
   */
  drainFloorBytesPerSec: number;
}): Promise<UploadOutcome> {
  const stall = new AbortController();
  const linked = anySignal([opts.signal, stall.signal]);
  let sentBytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const armStallTimer = (ms: number, why: string) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => stall.abort(new UploadStalledError(why)), ms);
  };
  const sending = `no upload progress for ${opts.stallMs} ms`;
  armStallTimer(opts.stallMs, sending);
  try {
    const res = await opts.uploadFile(opts.path, opts.url, opts.fields, linked.signal, (sent, total) => {
      if (sent <= sentBytes) return;
      sentBytes = sent;
      if (sent < total) return armStallTimer(opts.stallMs, sending);
      const drainMs = opts.stallMs + Math.ceil((total / opts.drainFloorBytesPerSec) * 1000);
      armStallTimer(drainMs, `no answer ${drainMs} ms after the whole body was handed over`);
    });
    if (res.status >= 200 && res.status < 300) return storedOutcome(res.body, sentBytes);
    const detail = errorDetail(res.body);
    const reason = `media store HTTP ${res.status}${detail ? `: ${detail}` : ''}`;
    if (res.status === 420 || res.status === 429) return { kind: 'rateLimited', reason, sentBytes };
    if (res.status === 408 || res.status >= 500) return { kind: 'transient', reason, sentBytes };
    if (STALE.test(detail)) return { kind: 'stale', reason, sentBytes };
    if (res.status === 400 && OVER_LIMIT.test(detail)) return { kind: 'refusedForGood', reason, sentBytes };
    if (res.status >= 400) return { kind: 'refused', reason, sentBytes };
    return { kind: 'transient', reason: `media store answered ${res.status}`, sentBytes };
  } catch (e) {
    if (opts.signal.aborted) return { kind: 'aborted', reason: abortReason(opts.signal), sentBytes };
    if (stall.signal.aborted)
      return { kind: 'transient', reason: abortReason(stall.signal).message, sentBytes };
    if (e instanceof Error && e.name === 'FileReadError') {
      return { kind: 'unreadable', reason: e.message, missing: (e as FileReadError).missing === true };
    }
    return {
      kind: 'transient',
      reason: `upload failed: ${e instanceof Error ? e.message : String(e)}`,
      sentBytes,
    };
  } finally {
    clearTimeout(timer);
    linked.dispose();
  }
}

/** Cloudinary's words for signed params older than an hour. */
const STALE = /^Stale request\b/i;
/** Cloudinary's words for a file over the plan's size limit, and ours for the pixel limit. */
const OVER_LIMIT = /^(File size too large|Image too large)\b/i;

function storedOutcome(body: string, sentBytes: number): UploadOutcome {
  let answer: { public_id?: unknown; version?: unknown; signature?: unknown; existing?: unknown } | undefined;
  try {
    answer = JSON.parse(body);
  } catch {
    answer = undefined;
  }
  if (
    typeof answer?.public_id !== 'string' ||
    typeof answer.version !== 'number' ||
    typeof answer.signature !== 'string'
  ) {
    return {
      kind: 'unconfirmed',
      reason: 'media store answered success without public_id/version/signature',
      sentBytes,
    };
  }
  return {
    kind: 'stored',
    confirmation: { publicId: answer.public_id, version: answer.version, signature: answer.signature },
    existing: answer.existing === true,
    sentBytes,
  };
}

function errorDetail(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : '';
  } catch {
    return '';
  }
}

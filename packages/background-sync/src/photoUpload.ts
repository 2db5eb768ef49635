// One photo's upload to the media store through the uploadFile port, with progress-based stall
// detection. It reports what happened; what a failure means for the item is failurePolicy.ts's.
import { abortReason } from './abort';
import type { Failure } from './failurePolicy';
import type { Confirmation } from './photoQueueStore';
import type { UploadFileOptions, UploadFilePort } from './ports';
import type { RunBudget } from './runBudget';

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
  /** A chunk of a chunked upload was taken; more are to come. */
  | { kind: 'chunkTaken'; sentBytes: number }
  /** It did not get through; `failurePolicy.classify` says what that means for the item. */
  | { kind: 'failed'; failure: UploadFailure; sentBytes: number }
  /** The run's budget aborted (deadline, app became active). */
  | { kind: 'aborted'; reason: Error; sentBytes: number };

export type UploadFailure = Extract<
  Failure,
  { kind: 'storeRefused' | 'storeUnconfirmed' | 'transfer' | 'unreadable' | 'malformed' }
>;

export async function uploadPhoto(opts: {
  uploadFile: UploadFilePort;
  /** Absolute path of the file. */
  path: string;
  url: string;
  fields: Record<string, string>;
  /** The run's budget: the upload gets a child signal of it (no listener on the run's signal). */
  budget: RunBudget;
  /** Abandon the upload when no byte was sent for this long. */
  stallMs: number;
  /**
   * Once the whole body is handed to the OS, progress events stop while its socket buffers still
   * drain over the real link (MBs on a slow link with several uploads in flight). The answer may
   * then take stallMs plus the body's size at this floor rate before the upload counts as stalled.
   */
  drainFloorBytesPerSec: number;
  /** A part of the file and its headers (a chunk); default the whole file. */
  request?: UploadFileOptions;
}): Promise<UploadOutcome> {
  const upload = opts.budget.child();
  let stalled = false;
  let sentBytes = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const armStallTimer = (ms: number, why: string) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      upload.abort(new UploadStalledError(why));
    }, ms);
  };
  const sending = `no upload progress for ${opts.stallMs} ms`;
  armStallTimer(opts.stallMs, sending);
  try {
    const res = await opts.uploadFile(
      opts.path,
      opts.url,
      opts.fields,
      upload.signal,
      (sent, total) => {
        if (sent <= sentBytes) return;
        sentBytes = sent;
        if (sent < total) return armStallTimer(opts.stallMs, sending);
        const drainMs = opts.stallMs + Math.ceil((total / opts.drainFloorBytesPerSec) * 1000);
        armStallTimer(drainMs, `no answer ${drainMs} ms after the whole body was handed over`);
      },
      opts.request,
    );
    if (res.status >= 200 && res.status < 300) return storedOutcome(res.body, sentBytes);
    const failure: UploadFailure = {
      kind: 'storeRefused',
      status: res.status,
      detail: errorDetail(res.body),
    };
    return { kind: 'failed', failure, sentBytes };
  } catch (e) {
    if (opts.budget.signal.aborted)
      return { kind: 'aborted', reason: abortReason(opts.budget.signal), sentBytes };
    const failure: UploadFailure = stalled
      ? { kind: 'transfer', message: abortReason(upload.signal).message }
      : e instanceof Error && e.name === 'FileReadError'
        ? { kind: 'unreadable', message: e.message, missing: (e as FileReadError).missing === true }
        : { kind: 'transfer', message: `upload failed: ${e instanceof Error ? e.message : String(e)}` };
    return { kind: 'failed', failure, sentBytes };
  } finally {
    clearTimeout(timer);
    upload.dispose();
  }
}

function storedOutcome(body: string, sentBytes: number): UploadOutcome {
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    answer = undefined;
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    const failure: UploadFailure = {
      kind: 'malformed',
      message: 'media store answer: a success without a JSON object',
    };
    return { kind: 'failed', failure, sentBytes };
  }
  const { public_id, version, signature, existing, done } = answer as Record<string, unknown>;
  if (done === false) return { kind: 'chunkTaken', sentBytes };
  if (typeof public_id !== 'string' || typeof version !== 'number' || typeof signature !== 'string') {
    return { kind: 'failed', failure: { kind: 'storeUnconfirmed' }, sentBytes };
  }
  return {
    kind: 'stored',
    confirmation: { publicId: public_id, version, signature },
    existing: existing === true,
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

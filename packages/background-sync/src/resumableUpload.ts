// A photo's upload that a later run can continue (issue 15.1): a file larger than one chunk goes
// in chunks by Cloudinary's protocol (`X-Unique-Upload-Id` + `Content-Range` on the same signed
// upload), and after each chunk the store confirmed, the upload id and the confirmed offset are
// saved — so a budget that ends mid-file loses at most the chunk in flight. Smaller files, and
// every file when the platform's upload port cannot send a part of a file, go whole.
import type { SyncDatabase } from './database';
import { type UploadOutcome, uploadPhoto } from './photoUpload';
import type { Clock, UploadFileOptions, UploadFilePort } from './ports';
import type { RunBudget } from './runBudget';
import {
  deleteUploadSession,
  readUploadSession,
  saveUploadSession,
  type UploadSession,
} from './uploadSessionStore';

export interface ResumableUploadOptions {
  db: SyncDatabase;
  clock: Clock;
  uploadFile: UploadFilePort;
  photoId: string;
  /** Absolute path of the file. */
  path: string;
  size: number;
  url: string;
  fields: Record<string, string>;
  budget: RunBudget;
  stallMs: number;
  drainFloorBytesPerSec: number;
  /** Chunk size (Cloudinary takes no chunk but the last under 5 MB). */
  chunkBytes: number;
  /** Called with the bytes of each part the store confirmed (the whole file, or a chunk). */
  onConfirmed: (bytes: number) => void;
}

/** Whether a file of `size` goes in chunks through this port. */
export function sendsInChunks(size: number, chunkBytes: number, uploadFile: UploadFilePort): boolean {
  return uploadFile.sendsRanges === true && size > chunkBytes;
}

/** Bytes that must cross the link before the store confirms any: one chunk, or the whole file. */
export function bytesBeforeConfirmation(
  size: number,
  chunkBytes: number,
  uploadFile: UploadFilePort,
): number {
  return sendsInChunks(size, chunkBytes, uploadFile) ? chunkBytes : size;
}

/** What a photo's upload came to: stored, failed or aborted (chunks taken along the way are not an end). */
export type PhotoUploadOutcome = Exclude<UploadOutcome, { kind: 'chunkTaken' }>;

export async function uploadResumable(o: ResumableUploadOptions): Promise<PhotoUploadOutcome> {
  const send = (request?: UploadFileOptions) =>
    uploadPhoto({
      uploadFile: o.uploadFile,
      path: o.path,
      url: o.url,
      fields: o.fields,
      budget: o.budget,
      stallMs: o.stallMs,
      drainFloorBytesPerSec: o.drainFloorBytesPerSec,
      ...(request ? { request } : {}),
    });
  if (!sendsInChunks(o.size, o.chunkBytes, o.uploadFile)) {
    const outcome = await send();
    if (outcome.kind === 'stored') o.onConfirmed(o.size);
    return outcome.kind === 'chunkTaken' ? notStored(outcome.sentBytes) : outcome;
  }
  let session: UploadSession | null = await readUploadSession(o.db, o.photoId);
  let restarted = false;
  for (;;) {
    // The photo id and the time make the upload id unique without a random source (Hermes has none built in).
    session ??= { uploadId: `${o.photoId}-${o.clock.now().toString(36)}`, confirmed: 0 };
    const start = session.confirmed;
    const end = Math.min(o.size, start + o.chunkBytes);
    const last = end === o.size;
    const outcome = await send({
      range: { start, end },
      headers: {
        'X-Unique-Upload-Id': session.uploadId,
        'Content-Range': `bytes ${start}-${end - 1}/${last ? o.size : -1}`,
      },
    });
    if (outcome.kind === 'chunkTaken' && !last) {
      session = { uploadId: session.uploadId, confirmed: end };
      await saveUploadSession(o.db, o.photoId, session, o.clock.now());
      o.onConfirmed(end - start);
      continue;
    }
    if (outcome.kind === 'stored') {
      o.onConfirmed(end - start);
      await deleteUploadSession(o.db, o.photoId);
      return outcome;
    }
    if (refused(outcome) && start > 0 && !restarted) {
      // The store no longer has the upload (expired, or its partial lost): once more from byte 0.
      await deleteUploadSession(o.db, o.photoId);
      session = null;
      restarted = true;
      continue;
    }
    if (outcome.kind === 'chunkTaken') {
      await deleteUploadSession(o.db, o.photoId);
      return notStored(outcome.sentBytes);
    }
    return outcome;
  }
}

/** The store took the (last) bytes but says more are to come: nothing is stored; not the photo's fault. */
function notStored(sentBytes: number): PhotoUploadOutcome {
  const message = 'the media store took the whole file but did not store it';
  return { kind: 'failed', failure: { kind: 'transfer', message }, sentBytes };
}

/** The store refused this request as a client error (not a rate limit, a timeout or its own trouble). */
function refused(outcome: UploadOutcome): boolean {
  if (outcome.kind !== 'failed' || outcome.failure.kind !== 'storeRefused') return false;
  const { status } = outcome.failure;
  return status >= 400 && status < 500 && status !== 408 && status !== 420 && status !== 429;
}

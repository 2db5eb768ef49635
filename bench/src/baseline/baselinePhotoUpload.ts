// BASELINE — the photo upload as first planned, kept only to be measured against: one photo at a
// time, each signed by its own `/api/cloudinaryUpload` request, the whole file read into memory
// and POSTed as a form, then the confirmation written to the photo row (uploaded later as CRUD).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { type ApiClient, RunBudget, type SyncDatabase } from '@vhd/background-sync';
import { fieldBytes, type Meter } from '../device/meter';
import type { BaselineStepEnd } from './baselineCrudUpload';

export interface BaselinePhoto {
  photoId: string;
  path: string;
}

interface SignAnswer {
  uploads: Array<{ photoId: string; url: string; fields: Record<string, string | number> }>;
  rejected: Array<{ photoId: string; code: string }>;
}

export async function baselinePhotoUpload(opts: {
  db: SyncDatabase;
  api: ApiClient;
  meter: Meter;
  photos: BaselinePhoto[];
  /** No new photo starts at or after this `performance.now()` instant. */
  until?: number;
  signal: AbortSignal;
  errors: string[];
}): Promise<BaselineStepEnd> {
  const budget = new RunBudget({ signal: opts.signal });
  for (const photo of opts.photos) {
    if (opts.until !== undefined && performance.now() >= opts.until) return { status: 'window' };
    const signed = await opts.api.post<SignAnswer>(
      '/api/cloudinaryUpload',
      { photoIds: [photo.photoId] },
      { budget, timeoutMs: 30_000 },
    );
    if (!signed.ok) {
      const f = signed.failure;
      return { status: 'failed', reason: f.kind === 'aborted' ? f.reason.message : JSON.stringify(f) };
    }
    const upload = signed.body.uploads[0];
    if (!upload) {
      opts.errors.push(`photo ${photo.photoId} not signed: ${JSON.stringify(signed.body.rejected)}`);
      continue;
    }
    const fields = Object.fromEntries(Object.entries(upload.fields).map(([k, v]) => [k, String(v)]));
    const data = await readFile(photo.path);
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([data], { type: 'image/jpeg' }), basename(photo.path));
    let res: Response;
    try {
      res = await opts.meter.record(upload.url, data.length + fieldBytes(fields), data.length, (to) =>
        fetch(to, { method: 'POST', body: form, signal: opts.signal }),
      );
    } catch (e) {
      return { status: 'failed', reason: e instanceof Error ? e.message : String(e) };
    }
    const answer = (await res.json()) as { public_id: string; version: number; signature: string };
    if (!res.ok) {
      opts.errors.push(`photo ${photo.photoId}: media store HTTP ${res.status}`);
      continue;
    }
    await opts.db.execute(
      `UPDATE photos SET cloudinary_public_id = ?, cloudinary_version = ?, cloudinary_signature = ? WHERE id = ?`,
      [answer.public_id, answer.version, answer.signature, photo.photoId],
    );
  }
  return { status: 'done' };
}

import type { SignAnswer } from '@vhd/sync-contract';
import type { Db } from '../src/db';
import type { TestServer } from '../src/testing';
import { uploadBody } from './images';

/** Inserts a photo row (and its organization) directly, as if its CRUD upload had been applied. */
export async function insertPhoto(
  db: Db,
  orgId: string,
  photoId: string = crypto.randomUUID(),
): Promise<string> {
  await db.query('INSERT INTO organizations (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [orgId]);
  await db.query("INSERT INTO photos (id, org_id, kind) VALUES ($1, $2, 'before')", [photoId, orgId]);
  return photoId;
}

export interface PhotoCloudinaryFields {
  cloudinary_public_id: string | null;
  cloudinary_version: number | null;
  cloudinary_url: string | null;
  bytes: number | null;
  width: number | null;
  height: number | null;
  updated_at: string;
}

export async function photoFields(db: Db, photoId: string): Promise<PhotoCloudinaryFields | undefined> {
  const { rows } = await db.query<PhotoCloudinaryFields>(
    `SELECT cloudinary_public_id, cloudinary_version, cloudinary_url, bytes, width, height, updated_at
       FROM photos WHERE id = $1`,
    [photoId],
  );
  return rows[0];
}

export async function signPhotos(server: TestServer, token: string, photoIds: unknown) {
  const response = await fetch(`${server.url}/api/cloudinaryUpload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ photoIds }),
  });
  return {
    status: response.status,
    body: (await response.json()) as SignAnswer & { error?: { code: string } },
  };
}

/** The dev media store's answer: Cloudinary's upload response fields, or an error. */
export interface UploadAnswer {
  public_id: string;
  version: number;
  signature: string;
  width: number;
  height: number;
  bytes: number;
  format: string;
  secure_url: string;
  existing: boolean;
  error?: { code: string; message: string };
}

/** Posts a file with signed fields, as the app does, to the URL the signing answer named. */
export async function uploadSigned(upload: SignAnswer['uploads'][number], file: Buffer) {
  return postUpload(upload.url, upload.fields, file);
}

export async function postUpload(
  url: string,
  fields: Record<string, string>,
  file: Buffer,
  filename?: string,
  headers?: Record<string, string>,
) {
  const response = await fetch(url, {
    method: 'POST',
    body: uploadBody(fields, file, filename),
    ...(headers ? { headers } : {}),
  });
  return { status: response.status, body: (await response.json()) as UploadAnswer };
}

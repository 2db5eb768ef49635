import type { Queryable } from '../db';

// The photo-row SQL of the Cloudinary routes.

export interface PhotoAssetRow {
  id: string;
  org_id: string;
  cloudinary_public_id: string | null;
  cloudinary_url: string | null;
}

export async function findPhotoAssets(db: Queryable, photoIds: readonly string[]): Promise<PhotoAssetRow[]> {
  const { rows } = await db.query<PhotoAssetRow>(
    'SELECT id::text AS id, org_id, cloudinary_public_id, cloudinary_url FROM photos WHERE id = ANY($1::uuid[])',
    [photoIds],
  );
  return rows;
}

export interface UploadedAsset {
  orgId: string;
  photoId: string;
  publicId: string;
  version: number;
  url: string;
  bytes: number | null;
  width: number | null;
  height: number | null;
}

/**
 * Fills a photo's Cloudinary fields where they are still empty (a client confirmation may have set
 * some first). True if the row changed; a replay, or an unknown or deleted photo, changes nothing.
 */
export async function fillPhotoAsset(db: Queryable, asset: UploadedAsset): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE photos SET
       cloudinary_public_id = COALESCE(cloudinary_public_id, $3),
       cloudinary_version = COALESCE(cloudinary_version, $4),
       cloudinary_url = COALESCE(cloudinary_url, $5),
       bytes = COALESCE(bytes, $6),
       width = COALESCE(width, $7),
       height = COALESCE(height, $8),
       updated_at = now()
     WHERE id = $1 AND org_id = $2
       AND (cloudinary_public_id IS NULL OR cloudinary_version IS NULL OR cloudinary_url IS NULL
            OR (bytes IS NULL AND $6::bigint IS NOT NULL)
            OR (width IS NULL AND $7::int IS NOT NULL)
            OR (height IS NULL AND $8::int IS NOT NULL))
     RETURNING id`,
    [
      asset.photoId,
      asset.orgId,
      asset.publicId,
      asset.version,
      asset.url,
      asset.bytes,
      asset.width,
      asset.height,
    ],
  );
  return rows.length > 0;
}

import type { Queryable } from '../db';

// Upload notifications are signed for 2 h, so a captured one can be posted again. Each is acted on
// once, and only for the photo row it was sent for: not for a row re-created (same id) after the
// asset's row was deleted. Both records are kept for the signature validity plus an hour of slack.

const KEEP = "interval '3 hours'";

export type NotificationVerdict = 'new' | 'duplicate' | 'deleted_row';

/**
 * Records the notification of (public id, version) and says whether to act on it. Call inside the
 * transaction that fills the photo, so a failure leaves it unrecorded for a retry.
 */
export async function admitNotification(
  tx: Queryable,
  n: { publicId: string; version: number; assetId: string | null },
): Promise<NotificationVerdict> {
  await tx.query(`DELETE FROM cloudinary_notifications WHERE received_at < now() - ${KEEP}`);
  await tx.query(`DELETE FROM photo_tombstones WHERE deleted_at < now() - ${KEEP}`);
  const recorded = await tx.query(
    `INSERT INTO cloudinary_notifications (public_id, version, asset_id) VALUES ($1, $2, $3)
     ON CONFLICT (public_id, version) DO NOTHING RETURNING 1`,
    [n.publicId, n.version, n.assetId],
  );
  if (recorded.rowCount === 0) return 'duplicate';
  // Cloudinary's version is the upload time in seconds.
  const { rows } = await tx.query(
    'SELECT 1 FROM photo_tombstones WHERE public_id = $1 AND deleted_at > to_timestamp($2)',
    [n.publicId, n.version],
  );
  return rows.length > 0 ? 'deleted_row' : 'new';
}

// The user's photo settings, kept in the local-only `sync_settings` key/value table.
import type { SqlExecutor, SyncDatabase } from './database';
import type { MediaLimits } from './photoSigner';
import { readSyncSetting, writeSyncSetting } from './syncSettingsStore';

export interface PhotoSettings {
  /** Upload photos only on an unmetered connection (Wi-Fi). */
  wifiOnly: boolean;
  /** Delete the local original this many days after it is SYNCED; null keeps originals. */
  deleteOriginalsAfterDays: number | null;
}

export const DEFAULT_PHOTO_SETTINGS: PhotoSettings = { wifiOnly: false, deleteOriginalsAfterDays: null };

const KEYS = {
  wifiOnly: 'photos.wifi_only',
  deleteOriginalsAfterDays: 'photos.delete_originals_after_days',
} as const;

export async function readPhotoSettings(db: SqlExecutor): Promise<PhotoSettings> {
  const rows = await db.getAll<{ id: string; value: string | null }>(
    'SELECT id, value FROM sync_settings WHERE id IN (?, ?)',
    [KEYS.wifiOnly, KEYS.deleteOriginalsAfterDays],
  );
  const value = (key: string) => rows.find((r) => r.id === key)?.value ?? null;
  const days = value(KEYS.deleteOriginalsAfterDays);
  return {
    wifiOnly: value(KEYS.wifiOnly) === 'true',
    deleteOriginalsAfterDays: days === null || days === '' ? null : Number(days),
  };
}

export async function writePhotoSettings(
  db: SyncDatabase,
  change: Partial<PhotoSettings>,
): Promise<PhotoSettings> {
  const days = change.deleteOriginalsAfterDays;
  if (days != null && !(Number.isFinite(days) && days >= 0)) {
    throw new RangeError(`deleteOriginalsAfterDays must be a number of days ≥ 0 or null, got ${days}`);
  }
  await db.writeTransaction(async (tx) => {
    if (change.wifiOnly !== undefined) await writeSyncSetting(tx, KEYS.wifiOnly, String(change.wifiOnly));
    if (days !== undefined)
      await writeSyncSetting(tx, KEYS.deleteOriginalsAfterDays, days === null ? '' : String(days));
  });
  return readPhotoSettings(db);
}

const MEDIA_LIMITS_KEY = 'media.limits';

/** The media store's limits as the server last named them (the app fits new photos within them). */
export async function readMediaLimits(db: SqlExecutor): Promise<MediaLimits | null> {
  const value = await readSyncSetting(db, MEDIA_LIMITS_KEY);
  return value ? (JSON.parse(value) as MediaLimits) : null;
}

export async function writeMediaLimits(db: SyncDatabase, limits: MediaLimits): Promise<void> {
  const value = JSON.stringify({ maxBytes: limits.maxBytes, maxPixels: limits.maxPixels });
  await db.writeTransaction((tx) => writeSyncSetting(tx, MEDIA_LIMITS_KEY, value));
}

// A captured photo kept within the media store's limits (Cloudinary refuses larger ones, and the
// engine never sends them): resized only when it has more pixels than allowed, re-encoded only
// when its file is too large — never more than needed.
import type { MediaLimits } from '@vhd/background-sync';

/** Cloudinary's Free plan, used until the server has named the account's own limits. */
export const FREE_PLAN_LIMITS: MediaLimits = { maxBytes: 10_485_760, maxPixels: 25_000_000 };

export interface Picture {
  uri: string;
  width: number;
  height: number;
}

/** What fitting needs from the platform (expo-image-manipulator and expo-file-system in the app). */
export interface PhotoOps {
  /** Writes a JPEG of `uri` at `size` (null: unchanged) and `quality` (0–1). */
  render(uri: string, size: { width: number; height: number } | null, quality: number): Promise<Picture>;
  bytesOf(uri: string): Promise<number>;
}

/** Re-encoding qualities tried, best first; then the picture shrinks by SHRINK per round. */
const QUALITIES = [0.8, 0.65];
const SHRINK = 0.85;
const MAX_SHRINKS = 6;

/** The largest size with at most `maxPixels` pixels and the same aspect ratio; null if it fits. */
export function sizeWithin(
  width: number,
  height: number,
  maxPixels: number,
): { width: number; height: number } | null {
  if (width * height <= maxPixels) return null;
  const scale = Math.sqrt(maxPixels / (width * height));
  let w = Math.floor(width * scale);
  let h = Math.floor(height * scale);
  while (w * h > maxPixels) {
    if (w >= h) w--;
    else h--;
  }
  return { width: w, height: h };
}

/** The photo itself when it fits; else a new file that does (throws if none could be made). */
export async function fitPhoto(photo: Picture, limits: MediaLimits, ops: PhotoOps): Promise<Picture> {
  let size = sizeWithin(photo.width, photo.height, limits.maxPixels);
  if (!size && (await ops.bytesOf(photo.uri)) <= limits.maxBytes) return photo;
  for (let round = 0; round <= MAX_SHRINKS; round++) {
    for (const quality of QUALITIES) {
      const fitted = await ops.render(photo.uri, size, quality);
      if ((await ops.bytesOf(fitted.uri)) <= limits.maxBytes) return fitted;
    }
    const from = size ?? { width: photo.width, height: photo.height };
    size = { width: Math.floor(from.width * SHRINK), height: Math.floor(from.height * SHRINK) };
  }
  throw new Error(`the photo could not be made smaller than ${limits.maxBytes} bytes`);
}

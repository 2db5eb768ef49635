import { imageSizeFromFile } from 'image-size/fromFile';

export interface ImageInfo {
  /** Cloudinary's format name: `jpg`, `png`, `webp`, `heic`, … */
  format: string;
  width: number;
  height: number;
}

/** Reads an image's format and size from its content (never trusting a file name). Null if not an image. */
export async function probeImage(path: string): Promise<ImageInfo | null> {
  try {
    const { type, width, height } = await imageSizeFromFile(path);
    if (!type || !width || !height) return null;
    return { format: type, width, height };
  } catch {
    return null;
  }
}

/** Whether `format` is in a Cloudinary `allowed_formats` list (`jpeg` and `jpg` name the same format). */
export function formatAllowed(format: string, allowedFormats: string): boolean {
  const allowed = allowedFormats.split(',').map((name) => name.trim().toLowerCase());
  const aliases = format === 'jpg' ? ['jpg', 'jpeg'] : [format];
  return aliases.some((name) => allowed.includes(name));
}

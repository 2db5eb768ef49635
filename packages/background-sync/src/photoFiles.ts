// Where a queued photo lives: `photos/<id>.<ext>` under the documents directory, stored relative
// because iOS moves the app container on updates.

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/png': 'png',
  'image/heic': 'heic',
  'image/heif': 'heic',
  'image/webp': 'webp',
};

/** The file extension for a photo's media type; a clear error for anything that is not a photo we upload. */
export function photoExtension(mediaType: string): string {
  const ext = EXTENSIONS[mediaType.toLowerCase()];
  if (!ext) {
    throw new TypeError(
      `unsupported photo media type "${mediaType}" (expected one of ${Object.keys(EXTENSIONS).join(', ')})`,
    );
  }
  return ext;
}

export function relativePhotoPath(photoId: string, mediaType: string): string {
  return `photos/${photoId}.${photoExtension(mediaType)}`;
}

export function absolutePhotoPath(documentsDir: string, relativePath: string): string {
  return `${documentsDir.replace(/\/+$/, '')}/${relativePath}`;
}

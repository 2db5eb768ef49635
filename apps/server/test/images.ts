import jpeg from 'jpeg-js';

/** A real JPEG of the given size; `shade` varies the bytes so two images differ. */
export function jpegImage(width: number, height: number, shade = 128): Buffer {
  const data = Buffer.alloc(width * height * 4, shade);
  return Buffer.from(jpeg.encode({ data, width, height }, 80).data);
}

/** A 1×1 GIF: a real image in a format photos may not use. */
export function gifImage(): Buffer {
  return Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
}

/** A multipart body as Cloudinary clients send it: the signed fields, then the file. */
export function uploadBody(fields: Record<string, string>, file: Buffer, filename = 'photo.jpg'): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([new Uint8Array(file)]), filename);
  return form;
}

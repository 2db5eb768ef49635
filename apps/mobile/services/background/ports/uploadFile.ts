// Streams a photo as a multipart POST with the native uploader of expo-file-system: the file never
// passes through JS memory. On iOS the transfer runs in a background URL session, so it can go on
// while JS is suspended (its promise only settles if this runtime is still alive).
// It cannot send a part of a file: expo-file-system 57's `File.upload` (UploadOptions) has no offset
// or length, so it does not declare `sendsRanges` and the engine uploads photos whole here — a
// chunk could only go through a temporary file written from JS memory, which the background
// URL session upload is here to avoid.
import type { UploadFilePort } from '@vhd/background-sync';
import { File, UploadType } from 'expo-file-system';

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  heic: 'image/heic',
  heif: 'image/heif',
  webp: 'image/webp',
};

export function mimeTypeOf(path: string): string {
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  return MIME_BY_EXTENSION[ext] ?? 'application/octet-stream';
}

export const expoUploadFile: UploadFilePort = async (localPath, url, fields, signal, onProgress) => {
  const result = await new File(localPath).upload(url, {
    httpMethod: 'POST',
    uploadType: UploadType.MULTIPART,
    fieldName: 'file',
    mimeType: mimeTypeOf(localPath),
    parameters: fields,
    sessionType: 'background',
    signal,
    ...(onProgress ? { onProgress: (p) => onProgress(p.bytesSent, p.totalBytes) } : {}),
  });
  return { status: result.status, body: result.body };
};

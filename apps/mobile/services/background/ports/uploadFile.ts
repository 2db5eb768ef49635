// Streams a photo as a multipart POST with the native uploader of expo-file-system: the file never
// passes through JS memory. On iOS the transfer runs in a background URL session, so it can go on
// while JS is suspended (its promise only settles if this runtime is still alive).
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

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { UploadRefused } from './signedUpload';

export interface ReceivedFile {
  path: string;
  bytes: number;
  md5: string;
}

/**
 * Reads a Cloudinary-style multipart upload: text fields plus one `file` part streamed to
 * `incomingPath` (never held in memory). Parts may come in any order; limits come from the
 * multipart plugin's registration (the file size limit surfaces as 413).
 */
export async function readUploadForm(
  request: FastifyRequest,
  incomingPath: string,
): Promise<{ fields: Record<string, string>; file: ReceivedFile | null }> {
  const fields: Record<string, string> = {};
  let file: ReceivedFile | null = null;
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      if (part.fieldname in fields || typeof part.value !== 'string') {
        throw new UploadRefused(400, 'invalid', `Field ${part.fieldname} must be given once, as text`);
      }
      fields[part.fieldname] = part.value;
      continue;
    }
    if (part.fieldname !== 'file' || file) {
      part.file.resume();
      throw new UploadRefused(400, 'invalid', 'Exactly one file part named "file" is expected');
    }
    const hash = createHash('md5');
    let bytes = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(part.file, measure, createWriteStream(incomingPath));
    if (part.file.truncated) {
      throw new UploadRefused(413, 'file_too_large', 'File size too large');
    }
    file = { path: incomingPath, bytes, md5: hash.digest('hex') };
  }
  return { fields, file };
}

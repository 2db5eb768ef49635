import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { UploadRefused } from './signedUpload';

export interface ReceivedFile {
  path: string;
  /** Every byte of the file part, also those past `keepBytes` that were not written. */
  bytes: number;
  md5: string;
}

/** Part limits of the upload form (the multipart plugin's registration uses them too). */
export const FORM_LIMITS = { fields: 20, fieldSize: 8192, files: 1, parts: 21 } as const;

/**
 * Reads a Cloudinary-style multipart upload: text fields, then one `file` part. `beforeFile` sees
 * the fields when the file part begins and refuses the upload by throwing — so a bad signature is
 * answered before any byte of the file is written. The file streams to `incomingPath` (never held
 * in memory); past `keepBytes` its bytes are only counted, so a refusal can say how large it was
 * without the disk holding it. Transport limits come from the multipart plugin (see
 * `formLimitRefusal`).
 */
export async function readUploadForm<T>(
  request: FastifyRequest,
  incomingPath: string,
  keepBytes: number,
  beforeFile: (fields: Record<string, string>) => T,
): Promise<{ fields: Record<string, string>; checked: T | null; file: ReceivedFile | null }> {
  const fields: Record<string, string> = {};
  let checked: T | null = null;
  let file: ReceivedFile | null = null;
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      if (Object.hasOwn(fields, part.fieldname) || typeof part.value !== 'string') {
        throw new UploadRefused(400, 'invalid', `Field ${part.fieldname} must be given once, as text`);
      }
      if (part.valueTruncated) {
        throw new UploadRefused(
          413,
          'field_too_large',
          `Field ${part.fieldname} is too large: at most ${FORM_LIMITS.fieldSize} bytes`,
        );
      }
      if (file) {
        throw new UploadRefused(400, 'invalid', `Field ${part.fieldname} comes after the file part`);
      }
      fields[part.fieldname] = part.value;
      continue;
    }
    if (part.fieldname !== 'file' || file) {
      part.file.resume();
      throw new UploadRefused(400, 'invalid', 'Exactly one file part named "file" is expected');
    }
    try {
      checked = beforeFile(fields);
    } catch (error) {
      part.file.resume();
      throw error;
    }
    const hash = createHash('md5');
    let bytes = 0;
    const keepWithin = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        const room = Math.max(0, keepBytes - bytes);
        bytes += chunk.length;
        done(null, room >= chunk.length ? chunk : chunk.subarray(0, room));
      },
    });
    await pipeline(part.file, keepWithin, createWriteStream(incomingPath));
    file = { path: incomingPath, bytes, md5: hash.digest('hex') };
  }
  return { fields, checked, file };
}

/** The multipart plugin's limit errors as refusals that name the limit that was hit. */
export function formLimitRefusal(code: string | undefined, maxFileBytes: number): UploadRefused | null {
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new UploadRefused(
        413,
        'file_too_large',
        `File too large: this store reads at most ${maxFileBytes} bytes of a file`,
      );
    case 'FST_FIELDS_LIMIT':
      return new UploadRefused(413, 'too_many_fields', `Too many fields: at most ${FORM_LIMITS.fields}`);
    case 'FST_FILES_LIMIT':
      return new UploadRefused(413, 'too_many_files', `Too many files: at most ${FORM_LIMITS.files}`);
    case 'FST_PARTS_LIMIT':
      return new UploadRefused(
        413,
        'too_many_parts',
        `Too many parts: at most ${FORM_LIMITS.parts} (fields and the file)`,
      );
    default:
      return null;
  }
}

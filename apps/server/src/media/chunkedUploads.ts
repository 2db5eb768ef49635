// Cloudinary's chunked upload on the dev media store: the same signed multipart POST, one chunk
// of the file per request, tied together by `X-Unique-Upload-Id` and placed by `Content-Range:
// bytes <first>-<last>/<total>` (`-1` as total until the last chunk, as the official Node SDK's
// upload_chunked sends it). The bytes so far are kept on disk under `chunks/`, so an upload can
// go on in a later request — a phone's next background run — from the byte the store confirmed.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UploadRefused } from './signedUpload';

export interface ContentRange {
  first: number;
  last: number;
  /** null while the client does not say (`-1` or `*`): not the last chunk. */
  total: number | null;
}

const RANGE = /^bytes (\d+)-(\d+)\/(\d+|-1|\*)$/;
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Parses `Content-Range` of a chunk; a malformed one is a 400. */
export function parseContentRange(header: string): ContentRange {
  const m = RANGE.exec(header.trim());
  const first = Number(m?.[1]);
  const last = Number(m?.[2]);
  const total = m?.[3] === '-1' || m?.[3] === '*' ? null : Number(m?.[3]);
  if (!m || last < first || (total !== null && last >= total)) {
    throw new UploadRefused(400, 'invalid_range', `Invalid Content-Range: ${header}`);
  }
  return { first, last, total };
}

interface Session {
  publicId: string;
  /** Bytes received so far (the next chunk starts here). */
  received: number;
}

export type ChunkResult =
  /** More chunks to come: the bytes so far. */
  | { done: false; received: number }
  /** The last chunk: the whole file, moved to `path` (the caller's incoming path). */
  | { done: true; bytes: number; md5: string };

/** The partial uploads on disk: `<root>/chunks/<upload id>.part` and `.json` (written after the bytes). */
export class ChunkedUploads {
  constructor(private readonly root: string) {}

  private paths(uploadId: string) {
    const base = join(this.root, 'chunks', uploadId);
    return { part: `${base}.part`, meta: `${base}.json` };
  }

  private async session(uploadId: string): Promise<Session | null> {
    try {
      return JSON.parse(await readFile(this.paths(uploadId).meta, 'utf8')) as Session;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /**
   * Adds the chunk in `chunkPath` (`bytes` long) at `range` to upload `uploadId` of `publicId`.
   * A chunk the store already has (a retry after a lost answer) is answered again, not appended.
   * When it completes the file, the whole file is moved to `chunkPath`. The caller serialises
   * calls per upload id.
   */
  async append(
    uploadId: string,
    publicId: string,
    range: ContentRange,
    chunkPath: string,
    bytes: number,
    maxBytes: number,
  ): Promise<ChunkResult> {
    if (!UPLOAD_ID.test(uploadId)) {
      throw new UploadRefused(
        400,
        'invalid_upload_id',
        'X-Unique-Upload-Id must be 1-128 letters, digits, _ or -',
      );
    }
    if (bytes !== range.last - range.first + 1) {
      throw new UploadRefused(
        400,
        'invalid_range',
        `Content-Range names ${range.last - range.first + 1} bytes; the chunk has ${bytes}`,
      );
    }
    const { part, meta } = this.paths(uploadId);
    const session = (await this.session(uploadId)) ?? { publicId, received: 0 };
    if (session.publicId !== publicId) {
      throw new UploadRefused(400, 'invalid_upload_id', 'This upload id belongs to another public_id');
    }
    if (range.last < session.received) return { done: false, received: session.received };
    if (range.first !== session.received) {
      throw new UploadRefused(
        400,
        'chunk_out_of_order',
        session.received === 0
          ? `Unknown upload id: start again from byte 0`
          : `Chunk out of order: the next chunk starts at byte ${session.received}`,
      );
    }
    const received = range.last + 1;
    if (received > maxBytes || (range.total ?? 0) > maxBytes) {
      await this.drop(uploadId);
      throw new UploadRefused(
        400,
        'file_too_large',
        `File size too large. Got ${Math.max(received, range.total ?? 0)}. Maximum is ${maxBytes}.`,
      );
    }
    await mkdir(join(this.root, 'chunks'), { recursive: true });
    // Bytes of a chunk whose write failed half-way are not part of the upload.
    await truncate(part, session.received).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await pipeline(createReadStream(chunkPath), createWriteStream(part, { flags: 'a' }));
    if (range.total === null || received < range.total) {
      const tmp = `${meta}.tmp`;
      await writeFile(tmp, JSON.stringify({ publicId, received } satisfies Session));
      await rename(tmp, meta);
      return { done: false, received };
    }
    const hash = createHash('md5');
    for await (const chunk of createReadStream(part)) hash.update(chunk as Buffer);
    await rename(part, chunkPath);
    await rm(meta, { force: true });
    return { done: true, bytes: received, md5: hash.digest('hex') };
  }

  async drop(uploadId: string): Promise<void> {
    const { part, meta } = this.paths(uploadId);
    await rm(part, { force: true });
    await rm(meta, { force: true });
  }
}

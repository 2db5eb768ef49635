// The uploadFile port for Node: a multipart POST whose file part is streamed from disk between the
// multipart preamble and epilogue (never the whole file in memory), with byte progress, abortable.
// It sends a part of the file when asked (a chunk of a chunked upload), with the given headers.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Agent, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { abortReason } from '../src/abort';
import { FileReadError } from '../src/photoUpload';
import type { UploadFilePort, UploadFileResult } from '../src/ports';

/** Answers of a media store are small JSON documents; anything bigger is cut. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.heic': 'image/heic',
  '.webp': 'image/webp',
};

export interface NodeUploadFileOptions {
  /** HTTP(S) agent, e.g. one without keep-alive. */
  agent?: Agent;
}

export function createNodeUploadFile(options: NodeUploadFileOptions = {}): UploadFilePort {
  const upload: UploadFilePort = async (localPath, url, fields, signal, onProgress, request) => {
    if (signal.aborted) throw abortReason(signal);
    const fileBytes = await fileSize(localPath);
    const range = request?.range ?? { start: 0, end: fileBytes };
    if (range.start < 0 || range.end > fileBytes || range.end <= range.start) {
      throw new RangeError(
        `bytes ${range.start}-${range.end} are not a part of ${localPath} (${fileBytes} bytes)`,
      );
    }
    const size = range.end - range.start;
    const boundary = `----vhd-${randomBytes(16).toString('hex')}`;
    const preamble = Buffer.from(
      Object.entries(fields)
        .map(([name, value]) => `--${boundary}\r\n${disposition(name)}\r\n\r\n${value}\r\n`)
        .join('') +
        `--${boundary}\r\n${disposition('file', basename(localPath))}\r\n` +
        `Content-Type: ${CONTENT_TYPES[extname(localPath).toLowerCase()] ?? 'application/octet-stream'}\r\n\r\n`,
    );
    const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`);

    async function* body(): AsyncGenerator<Buffer> {
      yield preamble;
      let sent = 0;
      onProgress?.(0, size);
      try {
        for await (const chunk of createReadStream(localPath, { start: range.start, end: range.end - 1 })) {
          const buffer = chunk as Buffer;
          yield buffer;
          sent += buffer.length;
          onProgress?.(sent, size);
        }
      } catch (e) {
        throw asFileReadError(e, localPath);
      }
      if (sent !== size) throw new FileReadError(`${localPath} changed size while uploading`, false);
      yield epilogue;
    }

    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<UploadFileResult>((resolve, reject) => {
      let answered = false;
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        outcome();
      };
      const failWith = (e: unknown) => settle(() => reject(signal.aborted ? abortReason(signal) : e));
      const req = send(target, {
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': preamble.length + size + epilogue.length,
          accept: 'application/json',
          ...request?.headers,
        },
        signal,
        ...(options.agent ? { agent: options.agent } : {}),
      });
      // A store may answer (and close) before reading the whole body: once an answer has begun, the
      // write error that causes no longer counts.
      const failRequest = (e: unknown) => {
        if (!answered) failWith(e);
      };
      req.on('error', failRequest);
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          if (length + chunk.length <= MAX_RESPONSE_BYTES) chunks.push(chunk);
          length += chunk.length;
        });
        res.on('error', failWith);
        res.on('close', () => {
          if (!res.complete) failWith(new Error('the media store connection closed mid-answer'));
        });
        res.on('end', () =>
          settle(() =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          ),
        );
      });
      pipeline(Readable.from(body(), { objectMode: false }), req).catch(failRequest);
    });
  };
  return Object.assign(upload, { sendsRanges: true });
}

/** The default Node adapter (global agent). */
export const nodeUploadFile: UploadFilePort = createNodeUploadFile();

async function fileSize(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new FileReadError(`${path} is not a file`, false);
    return s.size;
  } catch (e) {
    throw asFileReadError(e, path);
  }
}

function asFileReadError(e: unknown, path: string): FileReadError {
  if (e instanceof FileReadError) return e;
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  return new FileReadError(
    code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${message}`,
    code === 'ENOENT',
  );
}

function disposition(name: string, filename?: string): string {
  const quoted = (s: string) => s.replace(/["\r\n\\]/g, (c) => encodeURIComponent(c));
  return `Content-Disposition: form-data; name="${quoted(name)}"${filename ? `; filename="${quoted(filename)}"` : ''}`;
}

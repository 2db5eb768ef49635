import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeUploadFile } from '../node/nodeUploadFile';
import { AbortError } from '../src/abort';
import { FileReadError } from '../src/photoUpload';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let dir: string;
let server: Server;
let url: string;
let handler: Handler;
let requests = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'photo-upload-'));
  server = createServer((req, res) => {
    requests++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function fixture(name: string, bytes: number): { path: string; data: Buffer } {
  const data = randomBytes(bytes);
  const path = join(dir, name);
  writeFileSync(path, data);
  return { path, data };
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Splits a multipart body by its boundary into { headers, content } parts. */
function parseMultipart(body: Buffer, contentType: string): Array<{ headers: string; content: Buffer }> {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: string; content: Buffer }> = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), afterDelimiter);
    const part = body.subarray(afterDelimiter + 2, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    parts.push({ headers: part.subarray(0, headerEnd).toString(), content: part.subarray(headerEnd + 4) });
    start = next + 2;
  }
  return parts;
}

describe('nodeUploadFile', () => {
  it('sends the fields and the file, byte for byte, with a content length and progress up to the size', async () => {
    const { path, data } = fixture('a.jpg', 300_000);
    let received: { body: Buffer; contentType: string; length: string | undefined } | undefined;
    handler = async (req, res) => {
      received = {
        body: await readAll(req),
        contentType: req.headers['content-type'] ?? '',
        length: req.headers['content-length'],
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"public_id":"x"}');
    };
    const progress: number[] = [];
    const result = await nodeUploadFile(
      path,
      url,
      { public_id: 'vhd/o/photos/p', timestamp: '123' },
      new AbortController().signal,
      (sent, total) => {
        expect(total).toBe(data.length);
        progress.push(sent);
      },
    );
    expect(result).toEqual({ status: 200, body: '{"public_id":"x"}' });
    expect(Number(received!.length)).toBe(received!.body.length);
    const parts = parseMultipart(received!.body, received!.contentType);
    expect(parts.map((p) => /name="([^"]+)"/.exec(p.headers)?.[1])).toEqual([
      'public_id',
      'timestamp',
      'file',
    ]);
    expect(parts[0]!.content.toString()).toBe('vhd/o/photos/p');
    expect(parts[2]!.headers).toContain('filename="a.jpg"');
    expect(parts[2]!.headers).toContain('Content-Type: image/jpeg');
    expect(parts[2]!.content.equals(data)).toBe(true);
    expect(progress.at(-1)).toBe(data.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('rejects a missing file with FileReadError(missing) and sends nothing', async () => {
    const before = requests;
    const error = await nodeUploadFile(join(dir, 'gone.jpg'), url, {}, new AbortController().signal).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(FileReadError);
    expect(error.missing).toBe(true);
    expect(requests).toBe(before);
  });

  it('aborts a stuck upload with the signal reason', async () => {
    const { path, data } = fixture('big.jpg', 32 * 1024 * 1024);
    // Never reads, never answers; the file is larger than loopback socket buffers can absorb.
    handler = (req) => req.pause();
    const controller = new AbortController();
    let sent = 0;
    const upload = nodeUploadFile(path, url, {}, controller.signal, (s) => {
      sent = s;
    });
    await new Promise((r) => setTimeout(r, 200));
    controller.abort(new AbortError('run ended'));
    const error = await upload.catch((e) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toBe('run ended');
    expect(sent).toBeLessThan(data.length);
  });

  it('returns an answer the store sends before reading the whole body', async () => {
    const { path } = fixture('large.jpg', 4 * 1024 * 1024);
    handler = (_req, res) => {
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
      res.end('{"error":{"message":"File size too large"}}');
    };
    const result = await nodeUploadFile(path, url, {}, new AbortController().signal);
    expect(result.status).toBe(413);
    expect(result.body).toContain('File size too large');
  });
});

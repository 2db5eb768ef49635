// The dev media store on a disk that is full (a small tmpfs: needs root, as in CI): an upload that
// fails mid-stream is answered 500 and the keep-alive connection it came on is closed, so the next
// upload sent on that connection is answered too instead of waiting behind the unread body forever.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPhotoUpload } from '../src/cloudinary/photoUpload';
import { DevMediaStore } from '../src/media/devMediaStore';

const run = promisify(execFile);
const account = {
  cloudName: 'dev',
  apiKey: 'dev-key',
  apiSecret: 'dev-secret',
  signatureAlgorithm: 'sha1' as const,
};

describe.runIf(process.getuid?.() === 0)('dev media store on a full disk', () => {
  let dir: string;
  let root: string;
  let app: FastifyInstance;
  let store: DevMediaStore;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vhd-media-full-'));
    root = join(dir, 'media');
    await mkdir(root);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root]);
    app = Fastify();
    store = new DevMediaStore({
      root,
      account,
      publicUrl: () => 'http://127.0.0.1',
      limits: { maxBytes: 4 * 1024 * 1024, maxPixels: 25_000_000 },
      log: app.log,
    });
    await app.register(store.routes);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const free = await statfs(root);
    await writeFile(join(root, 'filler'), Buffer.alloc(free.bavail * free.bsize - 8 * 1024));
  });

  afterAll(async () => {
    await app?.close();
    await run('umount', ['-l', root]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  /** One multipart upload on `agent`; the status, or 'no answer' after 10 s. */
  function upload(agent: Agent, file: Buffer): Promise<number | 'no answer'> {
    const { port } = app.server.address() as { port: number };
    const { fields } = signPhotoUpload({
      account,
      orgId: 'org_full',
      photoId: crypto.randomUUID(),
      notificationUrl: 'http://127.0.0.1:9/hook',
      nowMs: Date.now(),
    });
    const boundary = 'vhd-full-disk';
    const body = Buffer.concat([
      Buffer.from(
        Object.entries(fields)
          .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
          .join('') +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/dev-media/v1_1/${account.cloudName}/image/upload`,
          agent,
          headers: {
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': body.length,
          },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve('no answer');
      });
      // The store may answer before reading the whole body: the write error that follows is not ours.
      req.on('error', (e) => (req.destroyed && !req.writableFinished ? undefined : reject(e)));
      req.end(body);
    });
  }

  it('answers 500 to every upload, on one keep-alive connection too', { timeout: 60_000 }, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Larger than the space left; the bytes need not be an image, the write fails before any check.
    const photo = randomBytes(256 * 1024);
    try {
      for (let i = 0; i < 3; i++) expect(await upload(agent, photo)).toBe(500);
    } finally {
      agent.destroy();
    }
  });
});

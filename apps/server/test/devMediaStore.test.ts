import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signPhotoUpload } from '../src/cloudinary/photoUpload';
import { checkNotification, signParams, verifyResponseSignature } from '../src/cloudinary/signature';
import { DevMediaStore } from '../src/media/devMediaStore';
import { gifImage, jpegImage, uploadBody } from './images';
import { postUpload } from './photoFixtures';

// The dev media store on a bare Fastify instance: the Cloudinary upload contract on its own.
const ORG = 'org_media';
const account = {
  cloudName: 'dev',
  apiKey: 'dev-key',
  apiSecret: 'dev-secret',
  signatureAlgorithm: 'sha1' as const,
};
const MAX_BYTES = 64 * 1024;
const MAX_PIXELS = 100 * 100;
const READ_LIMIT = 2 * 1024 * 1024;

let root: string;
let app: FastifyInstance;
let store: DevMediaStore;
let baseUrl: string;
const notifications: { body: string; timestamp: number; signature: string }[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vhd-media-'));
  app = Fastify();
  store = new DevMediaStore({
    root,
    account,
    publicUrl: () => baseUrl,
    limits: { maxBytes: MAX_BYTES, maxPixels: MAX_PIXELS },
    readLimitBytes: READ_LIMIT,
    log: app.log,
    notificationRetryDelaysMs: [10, 10],
  });
  await app.register(store.routes);
  // Stands in for the server's webhook: records what the store posts.
  app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    scope.post('/hook', async (request) => {
      notifications.push({
        body: request.body as string,
        timestamp: Number(request.headers['x-cld-timestamp']),
        signature: String(request.headers['x-cld-signature']),
      });
      return { ok: true };
    });
  });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  store.resetStats();
  store.setFaults({});
  notifications.length = 0;
});

function sign(photoId: string, nowMs = Date.now()) {
  return signPhotoUpload({ account, orgId: ORG, photoId, notificationUrl: `${baseUrl}/hook`, nowMs }).fields;
}

function upload(fields: Record<string, string>, file: Buffer, filename?: string) {
  return postUpload(store.uploadUrl(), fields, file, filename);
}

describe('dev media store (test double of Cloudinary)', () => {
  it('stores a signed upload, answers Cloudinary fields with a verifiable signature, serves the bytes, notifies', async () => {
    const photoId = crypto.randomUUID();
    const image = jpegImage(32, 24);
    const { status, body } = await upload(sign(photoId), image);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      public_id: `vhd/${ORG}/photos/${photoId}`,
      width: 32,
      height: 24,
      bytes: image.length,
      format: 'jpg',
      resource_type: 'image',
      existing: false,
    });
    expect(verifyResponseSignature(body.public_id, body.version, body.signature, account.apiSecret)).toBe(
      true,
    );
    expect(body.secure_url).toBe(store.deliveryUrl(body.public_id, body.version, 'jpg'));

    const served = await fetch(body.secure_url);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await served.arrayBuffer()).equals(image)).toBe(true);
    expect((await fetch(store.deliveryUrl(body.public_id, body.version))).status).toBe(200);
    expect((await fetch(store.deliveryUrl(body.public_id, body.version + 1))).status).toBe(404);

    await store.notificationsIdle();
    expect(notifications).toHaveLength(1);
    const [note] = notifications;
    expect(
      checkNotification({ ...note!, apiSecret: account.apiSecret, nowS: Math.floor(Date.now() / 1000) }),
    ).toBe('valid');
    expect(JSON.parse(note!.body)).toMatchObject({ notification_type: 'upload', public_id: body.public_id });
    expect(store.stats()).toMatchObject({ stored: { [body.public_id]: 1 }, notifications: { delivered: 1 } });
  });

  it('with overwrite=false keeps the first bytes and answers existing: true', async () => {
    const photoId = crypto.randomUUID();
    const first = jpegImage(16, 16, 10);
    const second = jpegImage(20, 20, 200);
    const a = await upload(sign(photoId), first);
    const b = await upload(sign(photoId), second);
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ existing: true, version: a.body.version, bytes: first.length, width: 16 });
    expect(
      verifyResponseSignature(b.body.public_id, b.body.version, b.body.signature, account.apiSecret),
    ).toBe(true);
    const served = Buffer.from(await (await fetch(b.body.secure_url)).arrayBuffer());
    expect(served.equals(first)).toBe(true);
    const publicId = a.body.public_id as string;
    expect(store.stats()).toMatchObject({ received: { [publicId]: 2 }, stored: { [publicId]: 1 } });
  });

  it('stores concurrent uploads of one public id once and counts uploads in flight', async () => {
    const photoId = crypto.randomUUID();
    store.setFaults({ responseDelayMs: 50 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) => upload(sign(photoId), jpegImage(8, 8, index * 40))),
    );
    expect(results.map((result) => result.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(results.filter((result) => !result.body.existing)).toHaveLength(1);
    const stats = store.stats();
    const publicId = results[0]!.body.public_id as string;
    expect(stats).toMatchObject({ received: { [publicId]: 6 }, stored: { [publicId]: 1 }, inFlight: 0 });
    expect(stats.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(stats.maxInFlight).toBeLessThanOrEqual(6);
  });

  it('refuses a tampered field, a stale timestamp, an unsigned upload, a wrong api key, an unsupported param', async () => {
    const photoId = crypto.randomUUID();
    const image = jpegImage(8, 8);
    const signed = sign(photoId);

    const tampered = await upload({ ...signed, public_id: `vhd/other_org/photos/${photoId}` }, image);
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });

    const extra = await upload({ ...signed, overwrite: 'true' }, image);
    expect(extra).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });

    const stale = await upload(sign(photoId, Date.now() - 3601_000), image);
    expect(stale).toMatchObject({ status: 401, body: { error: { code: 'stale_request' } } });

    const { signature: _signature, ...unsigned } = signed;
    expect(await upload(unsigned, image)).toMatchObject({
      status: 401,
      body: { error: { code: 'unsigned_upload' } },
    });

    expect(await upload({ ...signed, api_key: 'someone-else' }, image)).toMatchObject({
      status: 401,
      body: { error: { code: 'invalid_api_key' } },
    });

    const withTransformation: Record<string, string> = { ...signed, transformation: 'w_10' };
    const { signature: _s, api_key: _k, ...params } = withTransformation;
    const resigned = { ...params, api_key: account.apiKey, signature: signParams(params, account.apiSecret) };
    expect(await upload(resigned, image)).toMatchObject({
      status: 400,
      body: { error: { code: 'unsupported_param' } },
    });

    expect(Object.values(store.stats().stored)).toEqual([]);
  });

  it("refuses a file over the plan's size limit with Cloudinary's 400 and leaves no partial file", async () => {
    const photoId = crypto.randomUUID();
    const big = Buffer.concat([jpegImage(8, 8), Buffer.alloc(1024 * 1024, 7)]);
    const result = await upload(sign(photoId), big);
    expect(result).toMatchObject({
      status: 400,
      body: { error: { message: `File size too large. Got ${big.length}. Maximum is ${MAX_BYTES}.` } },
    });
    expect(await readdir(join(root, 'incoming'))).toEqual([]);
    expect(await store.files.read(`vhd/${ORG}/photos/${photoId}`)).toBeNull();
  });

  it('refuses an image over the pixel limit with a 400 naming both counts', async () => {
    const photoId = crypto.randomUUID();
    const result = await upload(sign(photoId), jpegImage(200, 100));
    expect(result).toMatchObject({ status: 400, body: { error: { code: 'too_many_pixels' } } });
    expect(result.body.error?.message).toMatch(/200x100 is 20000 pixels\. Maximum is 10000/);
    expect(store.stats().stored).toEqual({});
  });

  it('every 413 names what was too large', async () => {
    const photoId = crypto.randomUUID();
    const huge = Buffer.concat([jpegImage(8, 8), Buffer.alloc(READ_LIMIT + 1024, 7)]);
    const file = await upload(sign(photoId), huge);
    expect(file.status).toBe(413);
    expect(file.body.error?.message).toMatch(new RegExp(`File too large.*${READ_LIMIT} bytes`));

    const manyFields = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, 'x']));
    const fields = await upload(manyFields, jpegImage(8, 8));
    expect(fields.status).toBe(413);
    expect(fields.body.error?.message).toMatch(/Too many (fields: at most 20|parts: at most 21)/);

    const longField = await upload({ ...sign(photoId), context: 'x'.repeat(9000) }, jpegImage(8, 8));
    expect(longField).toMatchObject({ status: 413, body: { error: { code: 'field_too_large' } } });
    expect(longField.body.error?.message).toMatch(/Field context is too large: at most 8192 bytes/);

    const twoFiles = uploadBody(sign(photoId), jpegImage(8, 8));
    twoFiles.append('file2', new Blob([new Uint8Array(jpegImage(8, 8))]), 'b.jpg');
    const files = await fetch(store.uploadUrl(), { method: 'POST', body: twoFiles });
    expect(files.status).toBe(413);
    expect(((await files.json()) as { error: { message: string } }).error.message).toMatch(
      /Too many files: at most 1/,
    );
    expect(store.stats().stored).toEqual({});
  });

  it('checks the signature before reading the file: a forged upload is refused while its file still streams', async () => {
    const photoId = crypto.randomUUID();
    const fields = { ...sign(photoId), public_id: `vhd/other_org/photos/${photoId}` };
    const boundary = 'vhd-boundary';
    const head = Object.entries(fields)
      .map(
        ([name, value]) =>
          `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      )
      .join('');
    const url = new URL(store.uploadUrl());
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      req.on('error', reject);
      // The fields and the start of a file whose end never comes.
      req.write(head);
      req.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n`);
      req.write(jpegImage(8, 8).subarray(0, 64));
      setTimeout(() => reject(new Error('no answer while the file was still streaming')), 5_000).unref();
    });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(await readdir(join(root, 'incoming'))).toEqual([]);
  });

  it('with partialExistingAnswers answers an existing hit without signature and sizes (a fault)', async () => {
    const photoId = crypto.randomUUID();
    const first = await upload(sign(photoId), jpegImage(8, 8));
    store.setFaults({ partialExistingAnswers: true });
    const again = await upload(sign(photoId), jpegImage(8, 8, 40));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      existing: true,
      public_id: first.body.public_id,
      version: first.body.version,
    });
    expect(again.body.signature).toBeUndefined();
    expect(await store.resource(first.body.public_id)).toMatchObject({
      version: first.body.version,
      width: 8,
    });
  });

  it('refuses a disallowed format and a file that is not an image, whatever its name', async () => {
    const photoId = crypto.randomUUID();
    expect(await upload(sign(photoId), gifImage(), 'photo.jpg')).toMatchObject({
      status: 400,
      body: { error: { code: 'format_not_allowed' } },
    });
    expect(await upload(sign(photoId), Buffer.from('not an image at all'), 'photo.jpg')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_image' } },
    });
    expect(store.stats().stored).toEqual({});
  });

  it('answers injected faults without storing, and deletes assets', async () => {
    const photoId = crypto.randomUUID();
    store.setFaults({ failNext: { count: 1, status: 503 } });
    expect((await upload(sign(photoId), jpegImage(8, 8))).status).toBe(503);
    const ok = await upload(sign(photoId), jpegImage(8, 8));
    expect(ok.status).toBe(200);
    await store.destroy(ok.body.public_id);
    expect((await fetch(ok.body.secure_url)).status).toBe(404);
    expect(await store.files.read(ok.body.public_id)).toBeNull();
  });

  it('takes a chunked upload (X-Unique-Upload-Id, Content-Range): stores the whole file once, retried and later chunks too', async () => {
    const photoId = crypto.randomUUID();
    const fields = sign(photoId);
    const file = jpegImage(60, 60, 90);
    const third = Math.floor(file.length / 3);
    const cut = [0, third, 2 * third, file.length];
    const chunk = (i: number, uploadId = 'upload-1', total = i === 2 ? String(file.length) : '-1') =>
      postUpload(store.uploadUrl(), fields, file.subarray(cut[i], cut[i + 1]), 'blob', {
        'x-unique-upload-id': uploadId,
        'content-range': `bytes ${cut[i]}-${cut[i + 1]! - 1}/${total}`,
      });
    expect(await chunk(0)).toMatchObject({ status: 200, body: { done: false, bytes: third } });
    // The answer was lost: the same chunk again is answered, not appended.
    expect(await chunk(0)).toMatchObject({ status: 200, body: { done: false, bytes: third } });
    // A chunk past what the store has, and another upload id that does not start at 0.
    expect(await chunk(2)).toMatchObject({ status: 400, body: { error: { code: 'chunk_out_of_order' } } });
    expect(await chunk(1, 'upload-2')).toMatchObject({
      status: 400,
      body: { error: { code: 'chunk_out_of_order' } },
    });
    expect(store.stats().stored).toEqual({});
    expect(await chunk(1)).toMatchObject({ status: 200, body: { done: false, bytes: 2 * third } });
    const last = await chunk(2);
    expect(last).toMatchObject({
      status: 200,
      body: { existing: false, bytes: file.length, width: 60, height: 60 },
    });
    expect(
      verifyResponseSignature(last.body.public_id, last.body.version, last.body.signature, account.apiSecret),
    ).toBe(true);
    expect(Buffer.from(await (await fetch(last.body.secure_url)).arrayBuffer()).equals(file)).toBe(true);
    expect(Object.values(store.stats().stored)).toEqual([1]);
    expect(await readdir(join(root, 'chunks'))).toEqual([]);
  });

  it('refuses a chunked upload over the size limit once its bytes pass it, and a bad Content-Range', async () => {
    const fields = sign(crypto.randomUUID());
    const big = Buffer.alloc(MAX_BYTES / 2 + 1, 1);
    const send = (range: string) =>
      postUpload(store.uploadUrl(), fields, big, 'blob', {
        'x-unique-upload-id': 'too-big',
        'content-range': range,
      });
    expect((await send(`bytes 0-${big.length - 1}/-1`)).status).toBe(200);
    expect(await send(`bytes ${big.length}-${2 * big.length - 1}/-1`)).toMatchObject({
      status: 400,
      body: { error: { code: 'file_too_large' } },
    });
    expect(await send('bytes 5-1/-1')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_range' } },
    });
    expect(store.stats().stored).toEqual({});
  });
});

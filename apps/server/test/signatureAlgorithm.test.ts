import { v2 as cloudinary } from 'cloudinary';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCloudinaryUrl } from '../src/cloudinary/account';
import { photoPublicId, signPhotoUpload } from '../src/cloudinary/photoUpload';
import {
  notificationSignature,
  responseSignature,
  signParams,
  verifyResponseSignature,
} from '../src/cloudinary/signature';
import { loadConfig } from '../src/config';
import { startTestServer, type TestServer } from '../src/testing';
import { jpegImage } from './images';
import { photoFields, signPhotos, uploadSigned } from './photoFixtures';
import { OpLog, uploadOk, uuid } from './support/http';

const HEX_SHA1 = /^[0-9a-f]{40}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

describe('one signature algorithm, chosen by CLOUDINARY_SIGNATURE_ALGORITHM', () => {
  const saved = process.env.CLOUDINARY_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.CLOUDINARY_URL;
    else process.env.CLOUDINARY_URL = saved;
    cloudinary.config(true);
  });

  it("is not switched by the SDK's global configuration (CLOUDINARY_URL's query string)", () => {
    process.env.CLOUDINARY_URL = 'cloudinary://k:s@c?signature_algorithm=sha256&signature_version=1';
    cloudinary.config(true);
    const params = { public_id: 'a&b', timestamp: 1_700_000_000 };
    expect(signParams(params, 'secret')).toMatch(HEX_SHA1);
    expect(responseSignature('p', 1, 'secret')).toMatch(HEX_SHA1);
    expect(notificationSignature('{}', 1, 'secret')).toMatch(HEX_SHA1);
    // Version 2 escapes the `&` inside a value; version 1 would not.
    expect(signParams(params, 'secret')).toBe(
      (cloudinary.utils.api_sign_request as unknown as (...a: unknown[]) => string)(
        params,
        'secret',
        'sha1',
        2,
      ),
    );
  });

  it('signs with SHA-256 when asked, everywhere', () => {
    const account = { ...parseCloudinaryUrl('cloudinary://k:s@c', 'sha256') };
    const signed = signPhotoUpload({
      account,
      orgId: 'org_x',
      photoId: uuid(),
      notificationUrl: 'https://api.example.test/webhooks/cloudinary',
      nowMs: 1_700_000_000_000,
    });
    expect(signed.fields.signature).toMatch(HEX_SHA256);
    const signature = responseSignature('p', 7, 's', 'sha256');
    expect(signature).toMatch(HEX_SHA256);
    expect(verifyResponseSignature('p', 7, signature, 's', 'sha256')).toBe(true);
    expect(verifyResponseSignature('p', 7, signature, 's', 'sha1')).toBe(false);
    expect(notificationSignature('{}', 1, 's', 'sha256')).toMatch(HEX_SHA256);
  });

  it('refuses an unknown algorithm, and a CLOUDINARY_URL that asks for another one', () => {
    expect(loadConfig({}).cloudinarySignatureAlgorithm).toBe('sha1');
    expect(loadConfig({ CLOUDINARY_SIGNATURE_ALGORITHM: 'SHA256' }).cloudinarySignatureAlgorithm).toBe(
      'sha256',
    );
    expect(() => loadConfig({ CLOUDINARY_SIGNATURE_ALGORITHM: 'md5' })).toThrow(
      /CLOUDINARY_SIGNATURE_ALGORITHM/,
    );
    expect(() => loadConfig({ CLOUDINARY_URL: 'cloudinary://k:s@c?signature_algorithm=sha256' })).toThrow(
      /CLOUDINARY_URL asks for signature_algorithm=sha256 but CLOUDINARY_SIGNATURE_ALGORITHM is sha1/,
    );
    expect(
      loadConfig({
        CLOUDINARY_URL: 'cloudinary://k:s@c?signature_algorithm=sha256',
        CLOUDINARY_SIGNATURE_ALGORITHM: 'sha256',
      }).cloudinarySignatureAlgorithm,
    ).toBe('sha256');
  });
});

describe('SHA-256 end to end: signing, the media store, confirmation, webhook', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ config: { cloudinarySignatureAlgorithm: 'sha256' } });
    token = await server.mintToken({ orgId: 'org_sha' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('uploads, confirms and takes notifications signed with SHA-256', async () => {
    const log = new OpLog();
    const photoId = uuid();
    await uploadOk(server, token, log.clientId, [log.put('photos', photoId, { kind: 'before' })]);
    const signed = await signPhotos(server, token, [photoId]);
    const upload = signed.body.uploads[0]!;
    expect(upload.fields.signature).toMatch(HEX_SHA256);

    // A SHA-1 signature over the same params is refused by the store.
    const { signature: _s, api_key, ...params } = upload.fields;
    const sha1 = await uploadSigned(
      {
        ...upload,
        fields: {
          ...params,
          api_key: api_key!,
          signature: signParams(params, server.app.media.account.apiSecret, 'sha1'),
        },
      },
      jpegImage(8, 8),
    );
    expect(sha1.status).toBe(401);

    const stored = await uploadSigned(upload, jpegImage(8, 8));
    expect(stored.status).toBe(200);
    expect(stored.body.signature).toMatch(HEX_SHA256);
    const answer = await uploadOk(server, token, log.clientId, [
      log.patch('photos', photoId, {
        cloudinary_public_id: stored.body.public_id,
        cloudinary_version: stored.body.version,
        cloudinary_signature: stored.body.signature,
      }),
    ]);
    expect(answer.rejected).toEqual([]);
    expect((await photoFields(server.db, photoId))?.cloudinary_url).toContain(
      photoPublicId('org_sha', photoId),
    );

    // The store's notification (SHA-256 signed) was accepted by the webhook.
    await server.app.devMediaStore!.notificationsIdle();
    expect(server.app.devMediaStore!.stats().notifications).toEqual({ delivered: 1, failed: 0 });
  });
});

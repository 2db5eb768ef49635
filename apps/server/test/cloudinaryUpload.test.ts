import type { SignAnswer } from '@vhd/sync-contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_PLAN_LIMITS } from '../src/cloudinary/mediaLimits';
import { signParams } from '../src/cloudinary/signature';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { jpegImage } from './images';
import { insertPhoto, photoFields, postUpload, signPhotos, uploadSigned } from './photoFixtures';

describe.each(testBackends())('POST /api/cloudinaryUpload (%s)', (backend) => {
  let server: TestServer;
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    tokenA = await server.mintToken({ orgId: 'org_a' });
    tokenB = await server.mintToken({ orgId: 'org_b' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a malformed envelope with 400', async () => {
    for (const photoIds of [
      undefined,
      [],
      ['not-a-uuid'],
      Array.from({ length: 51 }, () => crypto.randomUUID()),
    ]) {
      const { status, body } = await signPhotos(server, tokenA, photoIds);
      expect(status).toBe(400);
      expect(body.error?.code).toBeTruthy();
    }
    expect((await fetch(`${server.url}/api/cloudinaryUpload`, { method: 'POST' })).status).toBe(401);
  });

  it('signs own photos only: unknown_photo for rows not there yet, forbidden for another organization', async () => {
    const own = await insertPhoto(server.db, 'org_a');
    const foreign = await insertPhoto(server.db, 'org_b');
    const missing = crypto.randomUUID();
    const { status, body } = await signPhotos(server, tokenA, [own, foreign, missing, own.toUpperCase()]);
    expect(status).toBe(200);
    expect(body.rejected).toEqual([
      { photoId: foreign, code: 'forbidden' },
      { photoId: missing, code: 'unknown_photo' },
    ]);
    expect(body.uploads).toHaveLength(1);
    const [upload] = body.uploads;
    expect(upload!.photoId).toBe(own);
    expect(upload!.url).toBe(`${server.url}/dev-media/v1_1/dev/image/upload`);
    const { signature, api_key, ...params } = upload!.fields;
    expect(params).toMatchObject({
      public_id: `vhd/org_a/photos/${own}`,
      overwrite: 'false',
      notification_url: `${server.url}/webhooks/cloudinary`,
      allowed_formats: 'jpg,jpeg,png,heic,webp',
    });
    expect(Object.keys(params).sort()).toEqual([
      'allowed_formats',
      'notification_url',
      'overwrite',
      'public_id',
      'timestamp',
    ]);
    expect(api_key).toBe(server.app.media.account.apiKey);
    expect(signature).toBe(signParams(params, server.app.media.account.apiSecret));
    expect(new Date(upload!.expiresAt).getTime()).toBe((Number(params.timestamp) + 3600) * 1000);

    // Org B cannot sign org A's photo either.
    const fromB = await signPhotos(server, tokenB, [own]);
    expect(fromB.body).toMatchObject({ uploads: [], rejected: [{ photoId: own, code: 'forbidden' }] });
  });

  it('after an upload answers already_uploaded, learned through the webhook with no client PATCH', async () => {
    const photoId = await insertPhoto(server.db, 'org_a');
    const first = await signPhotos(server, tokenA, [photoId]);
    const image = jpegImage(40, 30);
    const stored = await uploadSigned(first.body.uploads[0]!, image);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ public_id: `vhd/org_a/photos/${photoId}`, existing: false });
    await server.app.devMediaStore!.notificationsIdle();

    const row = await photoFields(server.db, photoId);
    const url = server.app.media.deliveryUrl(stored.body.public_id, stored.body.version);
    expect(row).toMatchObject({
      cloudinary_public_id: `vhd/org_a/photos/${photoId}`,
      cloudinary_version: stored.body.version,
      cloudinary_url: url,
      bytes: image.length,
      width: 40,
      height: 30,
    });
    const again = await signPhotos(server, tokenA, [photoId]);
    expect(again.body).toEqual({
      uploads: [],
      rejected: [{ photoId, code: 'already_uploaded', cloudinary_url: url }],
      limits: FREE_PLAN_LIMITS,
    });
    const served = await fetch(row!.cloudinary_url!);
    expect(Buffer.from(await served.arrayBuffer()).equals(image)).toBe(true);
  });

  it('with confirmExisting asks the media store and answers already_uploaded for an asset it holds', async () => {
    const photoId = await insertPhoto(server.db, 'org_a');
    const other = await insertPhoto(server.db, 'org_a');
    // Stored without a notification to this server (as if Cloudinary's never arrived).
    const { account } = server.app.media;
    const params = {
      overwrite: 'false',
      public_id: `vhd/org_a/photos/${photoId}`,
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    const fields = { ...params, api_key: account.apiKey, signature: signParams(params, account.apiSecret) };
    const stored = await postUpload(server.app.media.uploadUrl(), fields, jpegImage(24, 16));
    expect(stored.status).toBe(200);

    const unaware = await signPhotos(server, tokenA, [photoId]);
    expect(unaware.body.uploads.map((u) => u.photoId)).toEqual([photoId]);

    const response = await fetch(`${server.url}/api/cloudinaryUpload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ photoIds: [photoId, other], confirmExisting: true }),
    });
    const body = (await response.json()) as SignAnswer;
    const url = server.app.media.deliveryUrl(stored.body.public_id, stored.body.version);
    expect(body.rejected).toEqual([{ photoId, code: 'already_uploaded', cloudinary_url: url }]);
    expect(body.uploads.map((u) => u.photoId)).toEqual([other]);
    expect(await photoFields(server.db, photoId)).toMatchObject({
      cloudinary_version: stored.body.version,
      cloudinary_url: url,
      width: 24,
      height: 16,
    });
  });

  it('hands out fields the dev media store accepts as they are, and only as they are', async () => {
    const photoId = await insertPhoto(server.db, 'org_a');
    const { body } = await signPhotos(server, tokenA, [photoId]);
    const upload = body.uploads[0]!;
    const tampered = await uploadSigned(
      { ...upload, fields: { ...upload.fields, overwrite: 'true' } },
      jpegImage(8, 8),
    );
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
    expect((await uploadSigned(upload, jpegImage(8, 8))).status).toBe(200);
  });
});

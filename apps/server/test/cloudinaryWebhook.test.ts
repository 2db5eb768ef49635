import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationSignature } from '../src/cloudinary/signature';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { insertPhoto, photoFields } from './photoFixtures';

describe.each(testBackends())('POST /webhooks/cloudinary (%s)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(async () => {
    await server?.close();
  });

  function notification(photoId: string, orgId = 'org_w') {
    return {
      notification_type: 'upload',
      public_id: `vhd/${orgId}/photos/${photoId}`,
      version: 1_712_345_678,
      format: 'jpg',
      bytes: 1234,
      width: 64,
      height: 48,
      secure_url: 'https://elsewhere.example/ignored.jpg',
    };
  }

  async function post(
    payload: unknown,
    options: { timestamp?: number; secret?: string; body?: string } = {},
  ) {
    const body = options.body ?? JSON.stringify(payload);
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const secret = options.secret ?? server.app.media.account.apiSecret;
    const response = await fetch(`${server.url}/webhooks/cloudinary`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-cld-timestamp': String(timestamp),
        'x-cld-signature': notificationSignature(body, timestamp, secret),
      },
      body,
    });
    return {
      status: response.status,
      body: (await response.json()) as { ok?: boolean; updated?: boolean; error?: { code: string } },
    };
  }

  it('fills an empty photo once; a replay is accepted and changes nothing', async () => {
    const photoId = await insertPhoto(server.db, 'org_w');
    const payload = notification(photoId);
    expect(await post(payload)).toEqual({ status: 200, body: { ok: true, updated: true } });
    const filled = await photoFields(server.db, photoId);
    expect(filled).toMatchObject({
      cloudinary_public_id: payload.public_id,
      cloudinary_version: payload.version,
      // Derived by the server from public id and version, not taken from the payload.
      cloudinary_url: server.app.media.deliveryUrl(payload.public_id, payload.version),
      bytes: 1234,
      width: 64,
      height: 48,
    });
    expect(await post(payload)).toEqual({ status: 200, body: { ok: true, updated: false } });
    expect(await photoFields(server.db, photoId)).toEqual(filled);
  });

  it('refuses a bad or stale signature and a missing one, changing nothing', async () => {
    const photoId = await insertPhoto(server.db, 'org_w');
    const payload = notification(photoId);
    expect(await post(payload, { secret: 'not-the-secret' })).toMatchObject({
      status: 401,
      body: { error: { code: 'bad_signature' } },
    });
    expect(await post(payload, { timestamp: Math.floor(Date.now() / 1000) - 7201 })).toMatchObject({
      status: 401,
      body: { error: { code: 'stale_signature' } },
    });
    const unsigned = await fetch(`${server.url}/webhooks/cloudinary`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ error: { code: 'invalid' } });
    expect((await photoFields(server.db, photoId))?.cloudinary_url).toBeNull();
  });

  it('answers 200 for unknown and deleted photos and for other notification types', async () => {
    expect(await post(notification(crypto.randomUUID()))).toEqual({
      status: 200,
      body: { ok: true, updated: false },
    });
    const deleted = await insertPhoto(server.db, 'org_w');
    await server.db.query('DELETE FROM photos WHERE id = $1', [deleted]);
    expect(await post(notification(deleted))).toEqual({ status: 200, body: { ok: true, updated: false } });
    const oddAsset = await insertPhoto(server.db, 'org_w');
    expect(await post({ ...notification(oddAsset), asset_id: 'a\u0000b' })).toEqual({
      status: 200,
      body: { ok: true, updated: true },
    });
    expect(await post({ notification_type: 'delete', resources: [] })).toEqual({
      status: 200,
      body: { ok: true, updated: false },
    });
  });

  it('never fills a photo re-created after its asset was uploaded: a replay, or a late first delivery', async () => {
    const photoId = await insertPhoto(server.db, 'org_w');
    const uploaded = { ...notification(photoId), version: Math.floor(Date.now() / 1000) - 60 };
    expect(await post(uploaded)).toEqual({ status: 200, body: { ok: true, updated: true } });
    // The row is deleted (its asset with it) and the same id PUT again.
    await server.db.query('DELETE FROM photos WHERE id = $1', [photoId]);
    await insertPhoto(server.db, 'org_w', photoId);
    expect(await post(uploaded)).toEqual({ status: 200, body: { ok: true, updated: false } });
    expect(await photoFields(server.db, photoId)).toMatchObject({
      cloudinary_public_id: null,
      cloudinary_url: null,
    });

    // A notification first delivered after the deletion is the deleted row's too.
    const late = await insertPhoto(server.db, 'org_w');
    const lateUpload = { ...notification(late), version: Math.floor(Date.now() / 1000) - 30 };
    await server.db.query('DELETE FROM photos WHERE id = $1', [late]);
    await insertPhoto(server.db, 'org_w', late);
    expect(await post(lateUpload)).toEqual({ status: 200, body: { ok: true, updated: false } });

    // The re-created row's own upload, after the deletion, fills it.
    const fresh = { ...notification(photoId), version: Math.floor(Date.now() / 1000) + 1 };
    expect(await post(fresh)).toEqual({ status: 200, body: { ok: true, updated: true } });
    expect(await photoFields(server.db, photoId)).toMatchObject({ cloudinary_version: fresh.version });
  });

  it("never writes a photo of another organization than the public id's", async () => {
    const photoId = await insertPhoto(server.db, 'org_w');
    expect(await post(notification(photoId, 'org_other'))).toEqual({
      status: 200,
      body: { ok: true, updated: false },
    });
    expect((await photoFields(server.db, photoId))?.cloudinary_public_id).toBeNull();
  });
});

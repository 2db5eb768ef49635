import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoPublicId } from '../src/cloudinary/photoUpload';
import { responseSignature } from '../src/cloudinary/signature';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { jpegImage } from './images';
import { photoFields, signPhotos, uploadSigned } from './photoFixtures';
import { OpLog, uploadOk, uuid } from './support/http';

// Photo confirmations and deletions through the real CRUD upload route, with the real verifier.
describe.each(testBackends())('photo confirmations and asset deletion (%s)', (backend) => {
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

  /** A schedule with photos of org A, as the app uploads them. */
  async function photosOfA(count: number) {
    const log = new OpLog();
    const schedule = uuid();
    const photos = Array.from({ length: count }, () => uuid());
    await uploadOk(server, tokenA, log.clientId, [
      log.put('schedules', schedule, { customer: 'Diner' }),
      ...photos.map((p) => log.put('photos', p, { schedule_id: schedule, kind: 'before' })),
    ]);
    return { log, schedule, photos };
  }

  /** What the media store's upload response carries for this public id and version. */
  const confirmation = (publicId: string, version: number, signature?: string) => ({
    cloudinary_public_id: publicId,
    cloudinary_version: version,
    cloudinary_signature:
      signature ?? responseSignature(publicId, version, server.app.media.account.apiSecret),
  });

  it('accepts only a response signature for the photo’s own public id and derives cloudinary_url', async () => {
    const { log, photos } = await photosOfA(2);
    const [p1, p2] = photos as [string, string];
    const own = photoPublicId('org_a', p1);
    const version = 1_712_000_000;
    const answer = await uploadOk(server, tokenA, log.clientId, [
      log.patch('photos', p1, confirmation(own, version, '0'.repeat(40))),
      log.patch('photos', p1, { ...confirmation(own, version), cloudinary_version: version + 1 }),
      log.patch('photos', p1, confirmation(photoPublicId('org_a', p2), version)),
      log.patch('photos', p1, confirmation(photoPublicId('org_b', p1), version)),
      log.patch('photos', p1, { cloudinary_url: 'https://attacker.example/x.jpg' }),
    ]);
    expect(answer.applied).toEqual([]);
    expect(answer.rejected.map((r) => r.code)).toEqual([
      'invalid',
      'invalid',
      'forbidden',
      'forbidden',
      'forbidden',
    ]);
    expect((await photoFields(server.db, p1))?.cloudinary_url).toBeNull();

    const accepted = await uploadOk(server, tokenA, log.clientId, [
      log.patch('photos', p1, confirmation(own, version)),
    ]);
    expect(accepted.rejected).toEqual([]);
    expect(await photoFields(server.db, p1)).toMatchObject({
      cloudinary_public_id: own,
      cloudinary_version: version,
      cloudinary_url: server.app.media.deliveryUrl(own, version),
    });
  });

  it('accepts the confirmation from a real upload response, whether or not the webhook came first', async () => {
    const { log, photos } = await photosOfA(1);
    const [photo] = photos as [string];
    const signed = await signPhotos(server, tokenA, [photo]);
    const stored = await uploadSigned(signed.body.uploads[0]!, jpegImage(24, 16));
    expect(stored.status).toBe(200);
    const answer = await uploadOk(server, tokenA, log.clientId, [
      log.patch(
        'photos',
        photo,
        confirmation(stored.body.public_id, stored.body.version, stored.body.signature),
      ),
    ]);
    expect(answer.rejected).toEqual([]);
    await server.app.devMediaStore!.notificationsIdle();
    expect((await photoFields(server.db, photo))?.cloudinary_url).toBe(
      server.app.media.deliveryUrl(stored.body.public_id, stored.body.version),
    );
  });

  it('another organization can neither confirm nor delete a photo', async () => {
    const { photos } = await photosOfA(1);
    const [photo] = photos as [string];
    const signed = await signPhotos(server, tokenA, [photo]);
    const stored = await uploadSigned(signed.body.uploads[0]!, jpegImage(8, 8));
    await server.app.devMediaStore!.notificationsIdle();
    const before = await photoFields(server.db, photo);

    const intruder = new OpLog();
    const answer = await uploadOk(server, tokenB, intruder.clientId, [
      intruder.patch(
        'photos',
        photo,
        confirmation(stored.body.public_id, stored.body.version, stored.body.signature),
      ),
      intruder.delete('photos', photo),
    ]);
    expect(answer.rejected.map((r) => r.code)).toEqual(['forbidden', 'forbidden']);
    await server.app.assetDeletions.idle();
    expect(await photoFields(server.db, photo)).toEqual(before);
    expect((await fetch(stored.body.secure_url)).status).toBe(200);
  });

  it('deleting a photo, or its schedule, deletes its asset after the commit', async () => {
    const { log, schedule, photos } = await photosOfA(3);
    const uploaded = [];
    const signed = await signPhotos(server, tokenA, photos);
    for (const upload of signed.body.uploads)
      uploaded.push((await uploadSigned(upload, jpegImage(8, 8))).body);
    await server.app.devMediaStore!.notificationsIdle();
    const [first, second, third] = uploaded as [
      (typeof uploaded)[0],
      (typeof uploaded)[0],
      (typeof uploaded)[0],
    ];

    await uploadOk(server, tokenA, log.clientId, [log.delete('photos', photos[0]!)]);
    await server.app.assetDeletions.idle();
    expect((await fetch(first.secure_url)).status).toBe(404);
    expect((await fetch(second.secure_url)).status).toBe(200);

    // The schedule's cascade removes the other two photos; their assets go as well.
    await uploadOk(server, tokenA, log.clientId, [log.delete('schedules', schedule)]);
    await server.app.assetDeletions.idle();
    expect((await fetch(second.secure_url)).status).toBe(404);
    expect((await fetch(third.secure_url)).status).toBe(404);
    expect((await server.db.query('SELECT public_id FROM photo_asset_deletions')).rows).toEqual([]);
  });
});

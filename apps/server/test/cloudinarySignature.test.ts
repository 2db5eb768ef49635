import { v2 as cloudinary } from 'cloudinary';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCloudinaryUrl } from '../src/cloudinary/account';
import { parsePhotoPublicId, photoPublicId, signPhotoUpload } from '../src/cloudinary/photoUpload';
import {
  checkNotification,
  notificationSignature,
  responseSignature,
  signParams,
  verifyResponseSignature,
} from '../src/cloudinary/signature';

const ORG = 'org_2abc';
const PHOTO = '6f1c1a52-3c57-4b0e-9d43-0c3f7f7a1b2e';

describe('Cloudinary signing', () => {
  afterEach(() => {
    cloudinary.config(true);
  });

  it("reproduces Cloudinary's documented signature vector", () => {
    const params = {
      eager: 'w_400,h_300,c_pad|w_260,h_200,c_crop',
      public_id: 'sample_image',
      timestamp: 1315060510,
    };
    expect(signParams(params, 'abcd')).toBe('bfd09f95f331f558cbd1320e67aa8d488770583e');
  });

  it('signs exactly the photo params DESIGN lists, nothing of the client', () => {
    const account = {
      cloudName: 'demo',
      apiKey: 'key1',
      apiSecret: 'secret1',
      signatureAlgorithm: 'sha1' as const,
    };
    const signed = signPhotoUpload({
      account,
      orgId: ORG,
      photoId: PHOTO,
      notificationUrl: 'https://api.example.test/webhooks/cloudinary',
      nowMs: 1_700_000_000_500,
    });
    const { signature, api_key, ...params } = signed.fields;
    expect(params).toEqual({
      public_id: `vhd/${ORG}/photos/${PHOTO}`,
      overwrite: 'false',
      notification_url: 'https://api.example.test/webhooks/cloudinary',
      allowed_formats: 'jpg,jpeg,png,heic,webp',
      timestamp: '1700000000',
    });
    expect(api_key).toBe('key1');
    expect(signature).toBe(cloudinary.utils.api_sign_request(params, 'secret1'));
    expect(signed.expiresAt).toBe(new Date(1_700_003_600_000).toISOString());
  });

  it("makes response signatures the SDK's verify_api_response_signature accepts", () => {
    const publicId = photoPublicId(ORG, PHOTO);
    const signature = responseSignature(publicId, 1700000000, 'secret1');
    cloudinary.config({ api_secret: 'secret1' });
    // Present in the SDK's JavaScript, missing from its typings.
    const sdk = cloudinary.utils as unknown as {
      verify_api_response_signature(publicId: string, version: number, signature: string): boolean;
    };
    expect(sdk.verify_api_response_signature(publicId, 1700000000, signature)).toBe(true);
    expect(verifyResponseSignature(publicId, 1700000000, signature, 'secret1')).toBe(true);
    expect(verifyResponseSignature(publicId, 1700000001, signature, 'secret1')).toBe(false);
    expect(
      verifyResponseSignature(
        photoPublicId(ORG, PHOTO.replace('6f', '7f')),
        1700000000,
        signature,
        'secret1',
      ),
    ).toBe(false);
    expect(verifyResponseSignature(publicId, 1700000000, signature, 'other')).toBe(false);
  });

  it("checks notifications as the SDK's verifyNotificationSignature does, with a 2 h window", () => {
    const body = '{"notification_type":"upload","public_id":"x"}';
    const timestamp = 1_700_000_000;
    const signature = notificationSignature(body, timestamp, 'secret1');
    cloudinary.config({ api_secret: 'secret1' });
    expect(cloudinary.utils.verifyNotificationSignature(body, timestamp, signature, 1e10)).toBe(true);
    const check = (over: Partial<Parameters<typeof checkNotification>[0]>) =>
      checkNotification({ body, timestamp, signature, apiSecret: 'secret1', nowS: timestamp + 60, ...over });
    expect(check({})).toBe('valid');
    expect(check({ nowS: timestamp + 7201 })).toBe('stale');
    expect(check({ body: body.replace('x', 'y') })).toBe('bad_signature');
    const forged = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    expect(check({ signature: forged })).toBe('bad_signature');
  });

  it('parses public ids and CLOUDINARY_URL', () => {
    expect(parsePhotoPublicId(photoPublicId(ORG, PHOTO))).toEqual({ orgId: ORG, photoId: PHOTO });
    expect(parsePhotoPublicId(`vhd/${ORG}/photos/not-a-uuid`)).toBeNull();
    expect(parsePhotoPublicId(`other/${ORG}/photos/${PHOTO}`)).toBeNull();
    expect(parseCloudinaryUrl('cloudinary://123:a%2Fb@demo', 'sha1')).toEqual({
      cloudName: 'demo',
      apiKey: '123',
      apiSecret: 'a/b',
      signatureAlgorithm: 'sha1',
    });
    expect(() => parseCloudinaryUrl('https://123:abc@demo', 'sha1')).toThrow(/cloudinary:\/\//);
    expect(() => parseCloudinaryUrl('cloudinary://demo', 'sha1')).toThrow(/cloudinary:\/\//);
  });
});

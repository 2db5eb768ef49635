import type {
  PhotoConfirmation,
  PhotoConfirmationResult,
  PhotoConfirmationVerifier,
} from '../crudApply/photoConfirmations';
import type { MediaService } from './mediaService';
import { photoPublicId } from './photoUpload';
import { verifyResponseSignature } from './signature';

/**
 * A client's claim that it uploaded a photo is accepted only if the upload response signature
 * verifies for the public id this photo must have (`vhd/<org>/photos/<id>`). The delivery URL is
 * derived here, never taken from the client.
 */
export function photoConfirmationVerifier(media: MediaService): PhotoConfirmationVerifier {
  return { verify: (claim) => verifyPhotoConfirmation(media, claim) };
}

export function verifyPhotoConfirmation(
  media: MediaService,
  claim: PhotoConfirmation,
): PhotoConfirmationResult {
  const expected = photoPublicId(claim.orgId, claim.photoId.toLowerCase());
  if (claim.publicId !== expected) {
    return { ok: false, code: 'forbidden', message: `cloudinary_public_id must be ${expected}` };
  }
  if (!Number.isSafeInteger(claim.version) || claim.version <= 0) {
    return { ok: false, code: 'invalid', message: 'cloudinary_version must be a positive integer' };
  }
  const { apiSecret, signatureAlgorithm } = media.account;
  if (!verifyResponseSignature(expected, claim.version, claim.signature, apiSecret, signatureAlgorithm)) {
    return { ok: false, code: 'invalid', message: 'cloudinary_signature does not verify for this upload' };
  }
  return { ok: true, cloudinaryUrl: media.deliveryUrl(expected, claim.version) };
}

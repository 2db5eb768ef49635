/**
 * A photo PATCH carrying `cloudinary_public_id`, `cloudinary_version` and `cloudinary_signature`
 * confirms an upload. The apply hands it to the verifier the photo media plugin decorates the app
 * with (`app.photoConfirmations`); only a verified confirmation is stored, with the `cloudinary_url`
 * the verifier derives. The signature is never stored.
 */
export interface PhotoConfirmation {
  orgId: string;
  photoId: string;
  publicId: string;
  version: number;
  signature: string;
}

export type PhotoConfirmationResult =
  | { ok: true; cloudinaryUrl: string }
  | { ok: false; code: 'forbidden' | 'invalid'; message: string };

export interface PhotoConfirmationVerifier {
  verify(confirmation: PhotoConfirmation): PhotoConfirmationResult | Promise<PhotoConfirmationResult>;
}

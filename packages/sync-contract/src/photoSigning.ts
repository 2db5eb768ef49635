// `POST /api/cloudinaryUpload`: a batch of photos signed for upload to the media store.
import Type, { type Static } from 'typebox';

export const MAX_PHOTOS_PER_SIGNING = 50;

export const SignRequest = Type.Object(
  {
    photoIds: Type.Array(
      Type.String({
        pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      }),
      { minItems: 1, maxItems: MAX_PHOTOS_PER_SIGNING },
    ),
    /**
     * The media store answered these photos' uploads as already existing but without the fields a
     * confirmation needs: the server looks them up in the store before signing them again.
     */
    confirmExisting: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SignRequest = Static<typeof SignRequest>;

/** One photo's signed upload: post `fields` and then the file as multipart to `url` before `expiresAt`. */
export const SignedUpload = Type.Object({
  photoId: Type.String(),
  url: Type.String(),
  fields: Type.Record(Type.String(), Type.String()),
  expiresAt: Type.String(),
});
export type SignedUpload = Static<typeof SignedUpload>;

export const SignRejection = Type.Union([
  Type.Object({
    photoId: Type.String(),
    code: Type.Union([Type.Literal('unknown_photo'), Type.Literal('forbidden')]),
  }),
  Type.Object({
    photoId: Type.String(),
    code: Type.Literal('already_uploaded'),
    cloudinary_url: Type.String(),
  }),
]);
export type SignRejection = Static<typeof SignRejection>;

/** The largest image the media store takes. */
export const MediaLimits = Type.Object({ maxBytes: Type.Integer(), maxPixels: Type.Integer() });
export type MediaLimits = Static<typeof MediaLimits>;

export const SignAnswer = Type.Object({
  uploads: Type.Array(SignedUpload),
  rejected: Type.Array(SignRejection),
  /** null while the server does not know the store's limits. */
  limits: Type.Union([MediaLimits, Type.Null()]),
});
export type SignAnswer = Static<typeof SignAnswer>;

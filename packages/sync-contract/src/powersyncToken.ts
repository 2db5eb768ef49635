// `GET /api/powersync/token`: what a client connects to the PowerSync service with.
import Type, { type Static } from 'typebox';

export const TokenAnswer = Type.Object({
  /** The PowerSync service, without a trailing slash. */
  endpoint: Type.String(),
  token: Type.String(),
  /** ISO-8601. */
  expiresAt: Type.String(),
});
export type TokenAnswer = Static<typeof TokenAnswer>;

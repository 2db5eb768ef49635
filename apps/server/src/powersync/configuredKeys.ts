import type { JWK } from 'jose';
import { jwkFromText, type PowerSyncKeySource, publicJwkOf, signingKeyFromJwk } from './signingKey';

/**
 * Keys from configuration (production): `POWERSYNC_JWT_KEY` signs; `POWERSYNC_JWT_PREVIOUS_KEYS`
 * (public keys) stay published so tokens signed before a rotation verify until they expire. The
 * operator drops the previous key once a token lifetime has passed since the switch.
 */
export async function configuredKeys(input: {
  privateKey: string;
  previousPublicKeys?: string | undefined;
}): Promise<PowerSyncKeySource> {
  const current = await signingKeyFromJwk(await jwkFromText(input.privateKey));
  const previous = await Promise.all((await previousJwks(input.previousPublicKeys)).map(publicJwkOf));
  const published = [current.publicJwk, ...previous.filter((jwk) => jwk.kid !== current.kid)];
  return {
    signingKey: async () => current,
    publishedKeys: async () => published,
  };
}

/** A JWKS (`{"keys": [...]}`), one JWK, or one PEM. */
async function previousJwks(text: string | undefined): Promise<JWK[]> {
  const trimmed = text?.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as JWK | { keys: JWK[] };
    return 'keys' in parsed ? parsed.keys : [parsed];
  }
  return [await jwkFromText(trimmed)];
}

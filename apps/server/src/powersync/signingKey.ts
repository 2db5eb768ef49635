import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  importJWK,
  importPKCS8,
  importSPKI,
  type JWK,
} from 'jose';

export const ALG = 'RS256';

/** A private key that signs PowerSync tokens, with the public JWK that the JWKS publishes. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Where the token route gets its key and the JWKS route its public keys. */
export interface PowerSyncKeySource {
  /** The key new tokens are signed with (may rotate first). */
  signingKey(nowMs: number): Promise<SigningKey>;
  /** Every public key whose tokens may still be valid: the current one and recently retired ones. */
  publishedKeys(nowMs: number): Promise<JWK[]>;
}

/** The public half of an RSA JWK as published: `kid` is its RFC 7638 thumbprint. */
export async function publicJwkOf(jwk: JWK): Promise<JWK> {
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new Error('PowerSync keys must be RSA keys');
  const publicJwk: JWK = { kty: 'RSA', n: jwk.n, e: jwk.e };
  return { ...publicJwk, kid: jwk.kid ?? (await calculateJwkThumbprint(publicJwk)), alg: ALG, use: 'sig' };
}

export async function signingKeyFromJwk(privateJwk: JWK): Promise<SigningKey> {
  if (!privateJwk.d) throw new Error('A PowerSync signing key must be a private key');
  const publicJwk = await publicJwkOf(privateJwk);
  const privateKey = (await importJWK({ ...privateJwk, alg: ALG }, ALG)) as CryptoKey;
  return { kid: publicJwk.kid!, privateKey, publicJwk };
}

/** Reads a key given as PEM (PKCS#8 private / SPKI public) or as JWK JSON; keeps private parts. */
export async function jwkFromText(text: string): Promise<JWK> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return JSON.parse(trimmed) as JWK;
  if (trimmed.includes('PRIVATE KEY')) {
    return exportJWK(await importPKCS8(trimmed, ALG, { extractable: true }));
  }
  if (trimmed.includes('PUBLIC KEY')) return exportJWK(await importSPKI(trimmed, ALG, { extractable: true }));
  throw new Error('Expected a PEM key (PKCS#8 or SPKI) or a JWK as JSON');
}

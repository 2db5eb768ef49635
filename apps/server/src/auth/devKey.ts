import type { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';

export interface DevKey {
  kid: string;
  privateKey: webcrypto.CryptoKey;
  /** SPKI PEM, handed to Clerk's verifyToken as `jwtKey` exactly like CLERK_JWT_KEY. */
  publicPem: string;
}

export const DEV_KEY_FILE = 'dev-auth-key.json';

/** The dev-auth RSA key, created on first use and kept under DATA_DIR so tokens survive restarts. */
export async function loadDevKey(dataDir: string): Promise<DevKey> {
  const path = join(dataDir, DEV_KEY_FILE);
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(path, 'utf8')) as JWK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const pair = await generateKeyPair('RS256', { extractable: true });
    jwk = { ...(await exportJWK(pair.privateKey)), kid: `dev_${Date.now().toString(36)}`, alg: 'RS256' };
    await mkdir(dataDir, { recursive: true });
    await writeFile(path, JSON.stringify(jwk), { mode: 0o600 });
  }
  const privateKey = (await importJWK(jwk, 'RS256', { extractable: true })) as webcrypto.CryptoKey;
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  const publicKey = (await importJWK(publicJwk, 'RS256', { extractable: true })) as webcrypto.CryptoKey;
  return { kid: jwk.kid ?? 'dev', privateKey, publicPem: await exportSPKI(publicKey) };
}

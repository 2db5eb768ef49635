// Verifies `authorization: Token <jwt>` the way the PowerSync service does: signature against a
// JWKS URL (keys picked by `kid`), expiry, and audience when one is configured.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

export interface VerifiedToken {
  sub: string;
  /** The token's organization (`org_id` claim); buckets are served for it only. */
  orgId: string | undefined;
  /** Expiry, epoch seconds. */
  exp: number;
}

export class TokenRejected extends Error {
  override name = 'TokenRejected';
}

export type TokenVerifier = (authorization: string | undefined) => Promise<VerifiedToken>;

export function createTokenVerifier(options: {
  jwksUrl: string;
  audience?: string | string[];
}): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl));
  return async (authorization) => {
    const match = /^Token (\S+)$/.exec(authorization ?? '');
    if (!match?.[1]) throw new TokenRejected('missing "authorization: Token <jwt>" header');
    const token = match[1];
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw new TokenRejected('malformed JWT');
    }
    if (!kid) throw new TokenRejected('JWT header has no kid');
    try {
      const { payload } = await jwtVerify(
        token,
        jwks,
        options.audience ? { audience: options.audience } : {},
      );
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenRejected('JWT has no sub');
      if (typeof payload.exp !== 'number') throw new TokenRejected('JWT has no exp');
      const orgId = typeof payload.org_id === 'string' && payload.org_id !== '' ? payload.org_id : undefined;
      return { sub: payload.sub, orgId, exp: payload.exp };
    } catch (e) {
      if (e instanceof TokenRejected) throw e;
      throw new TokenRejected(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
  };
}

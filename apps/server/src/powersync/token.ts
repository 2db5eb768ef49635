import { SignJWT } from 'jose';
import { ALG, type SigningKey } from './signingKey';

export interface PowerSyncToken {
  token: string;
  expiresAt: string;
}

/**
 * A PowerSync client token: RS256 with the key's `kid`; `sub` is the user, `org_id` scopes the
 * sync buckets (the sync config reads `request.jwt() ->> 'org_id'`).
 */
export async function mintPowerSyncToken(input: {
  key: SigningKey;
  audience: string;
  userId: string;
  orgId: string;
  ttlS: number;
  nowMs: number;
}): Promise<PowerSyncToken> {
  const iat = Math.floor(input.nowMs / 1000);
  const exp = iat + input.ttlS;
  const token = await new SignJWT({ org_id: input.orgId })
    .setProtectedHeader({ alg: ALG, kid: input.key.kid, typ: 'JWT' })
    .setSubject(input.userId)
    .setAudience(input.audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(input.key.privateKey);
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

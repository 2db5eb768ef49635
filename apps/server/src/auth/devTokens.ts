import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { DevKey } from './devKey';

export interface DevTokenRequest {
  userId: string;
  /** null: a session without an active organization. */
  orgId: string | null;
  orgRole?: string;
  expiresInSec?: number;
  /** `azp`: the front end the session belongs to (checked when CLERK_AUTHORIZED_PARTIES is set). */
  authorizedParty?: string;
}

/** Mints a Clerk-shaped (version 2) session token signed with the dev key. */
export function mintDevSessionToken(key: DevKey, issuer: string, req: DevTokenRequest): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    v: 2,
    sid: `sess_${randomBytes(12).toString('hex')}`,
    fva: [0, -1],
  };
  if (req.authorizedParty) claims.azp = req.authorizedParty;
  if (req.orgId)
    claims.o = { id: req.orgId, rol: req.orgRole ?? 'admin', slg: req.orgId.replace(/^org_/, '') };
  const expiresIn = req.expiresInSec ?? 3600;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setSubject(req.userId)
    .setIssuer(issuer)
    .setIssuedAt(Math.min(now, now + expiresIn))
    .setNotBefore(Math.min(now, now + expiresIn) - 5)
    .setExpirationTime(now + expiresIn)
    .sign(key.privateKey);
}

import { verifyToken } from '@clerk/backend';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/types';
import { HttpError } from '../errors';
import { type AuthContext, authContextFromClaims } from './claims';
import { createMembershipRecorder } from './organizations';

/** The caller of an `/api` route, set by `app.authenticate` before the handler runs. */
export type ApiAuth = AuthContext & { orgId: string };

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for `/api` scopes: 401 without a valid Clerk session token, 403 without an organization. */
    authenticate: (req: FastifyRequest) => Promise<void>;
  }
  interface FastifyRequest {
    auth: ApiAuth;
  }
}

function bearerToken(req: FastifyRequest): string {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1])
    throw new HttpError(401, 'unauthorized', 'Missing bearer token (Authorization: Bearer <session token>)');
  return match[1];
}

function verificationMessage(err: unknown): string {
  const reason = (err as { reason?: unknown }).reason;
  if (reason === 'token-expired') return 'Session token expired';
  if (reason === 'token-invalid-signature') return 'Session token signature is invalid';
  return `Session token rejected: ${(err as Error).message}`;
}

export interface AuthenticationOptions {
  db: Db;
  /** The Clerk PEM public key, or the dev key in dev mode. */
  jwtKey: string;
  /** The accepted `iss`; unchecked when absent. */
  issuer: string | undefined;
  /** The accepted `azp` values; unchecked when empty. */
  authorizedParties: string[];
}

/**
 * Decorates the app with `authenticate` (Clerk `verifyToken`, networkless, with the issuer and
 * authorized-party checks configured) and requests with `auth`: register once at the app's root.
 */
export const authentication = fp(installAuthentication, { name: 'vhd-authentication' });

async function installAuthentication(app: FastifyInstance, opts: AuthenticationOptions): Promise<void> {
  const recordMembership = createMembershipRecorder(opts.db);
  app.decorateRequest('auth', null as unknown as ApiAuth);
  app.decorate('authenticate', async (req: FastifyRequest) => {
    const token = bearerToken(req);
    let claims: Record<string, unknown>;
    try {
      claims = (await verifyToken(token, {
        jwtKey: opts.jwtKey,
        ...(opts.issuer ? { issuer: opts.issuer } : {}),
        ...(opts.authorizedParties.length > 0 ? { authorizedParties: opts.authorizedParties } : {}),
      })) as Record<string, unknown>;
    } catch (err) {
      throw new HttpError(401, 'unauthorized', verificationMessage(err));
    }
    const auth = authContextFromClaims(claims);
    if (!auth.userId) throw new HttpError(401, 'unauthorized', 'Session token has no subject');
    if (!auth.orgId) {
      throw new HttpError(403, 'no_organization', 'Session has no active organization: select one and retry');
    }
    const apiAuth = auth as ApiAuth;
    await recordMembership(apiAuth);
    req.auth = apiAuth;
    req.log = req.log.child({ userId: apiAuth.userId, orgId: apiAuth.orgId });
  });
}

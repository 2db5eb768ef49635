/** Who is calling: Clerk user and active organization, from a verified session token. */
export interface AuthContext {
  userId: string;
  /** The active organization; null when the session has none. */
  orgId: string | null;
  orgRole: string | null;
  orgSlug: string | null;
}

/**
 * Reads the identity claims of a Clerk session token. Version 2 tokens carry the active organization
 * as `o: { id, rol, slg }`; version 1 tokens as `org_id`, `org_role`, `org_slug`.
 */
export function authContextFromClaims(claims: Record<string, unknown>): AuthContext {
  const userId = typeof claims.sub === 'string' ? claims.sub : '';
  const o = claims.o as { id?: unknown; rol?: unknown; slg?: unknown } | undefined;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  if (o && typeof o === 'object') {
    return { userId, orgId: text(o.id), orgRole: text(o.rol), orgSlug: text(o.slg) };
  }
  return {
    userId,
    orgId: text(claims.org_id),
    orgRole: text(claims.org_role)?.replace(/^org:/, '') ?? null,
    orgSlug: text(claims.org_slug),
  };
}

import type { Db } from '../db/types';
import type { AuthContext } from './claims';

const MAX_REMEMBERED = 10_000;

/**
 * Creates the organization row (and the caller's membership) the first time an organization is seen.
 * Remembers what it wrote, so a known caller costs no statement.
 */
export function createMembershipRecorder(db: Db) {
  const known = new Set<string>();
  return async function recordMembership(auth: AuthContext & { orgId: string }): Promise<void> {
    const key = `${auth.userId}\u0000${auth.orgId}\u0000${auth.orgRole ?? ''}`;
    if (known.has(key)) return;
    await db.query('INSERT INTO organizations (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [
      auth.orgId,
      auth.orgSlug ?? auth.orgId,
    ]);
    await db.query(
      `INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, org_id) DO UPDATE SET role = EXCLUDED.role
       WHERE memberships.role IS DISTINCT FROM EXCLUDED.role`,
      [auth.userId, auth.orgId, auth.orgRole],
    );
    if (known.size >= MAX_REMEMBERED) known.clear();
    known.add(key);
  };
}

import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ipRateLimit } from '../ipRateLimit';
import type { DevKey } from './devKey';
import { mintDevSessionToken } from './devTokens';

const Id = (prefix: string) => Type.String({ pattern: `^${prefix}[A-Za-z0-9_-]{1,64}$` });

const Body = Type.Object(
  {
    user: Type.Optional(Id('')),
    org: Type.Optional(Type.Union([Id(''), Type.Null()])),
    role: Type.Optional(Type.String({ pattern: '^[a-z_:]{1,32}$' })),
    expiresInSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);

const Session = Type.Object({
  token: Type.String(),
  userId: Type.String(),
  orgId: Type.Union([Type.String(), Type.Null()]),
});

export const withPrefix = (prefix: string, id: string) => (id.startsWith(prefix) ? id : `${prefix}${id}`);

/**
 * Dev auth only: `POST /dev/session { user?, org? }` → `{ token, userId, orgId }`, a Clerk-shaped
 * session token that the normal `verifyToken` path accepts. `org: null` mints a session without
 * an organization.
 */
export function devSessionRoutes(
  key: DevKey,
  issuer: string,
  authorizedParty: string | null,
): FastifyPluginAsyncTypebox {
  return async function routes(app) {
    await app.register(rateLimit, ipRateLimit(app.config));
    app.post(
      '/dev/session',
      {
        schema: { body: Body, response: { 200: Session } },
        // An empty POST means "the defaults".
        preValidation: async (req) => {
          req.body ??= {};
        },
      },
      async (req) => {
        const body = req.body;
        const userId = withPrefix('user_', body.user ?? 'dev');
        const orgId = body.org === null ? null : withPrefix('org_', body.org ?? 'dev');
        const token = await mintDevSessionToken(key, issuer, {
          userId,
          orgId,
          ...(body.role ? { orgRole: body.role } : {}),
          ...(body.expiresInSec ? { expiresInSec: body.expiresInSec } : {}),
          ...(authorizedParty ? { authorizedParty } : {}),
        });
        return { token, userId, orgId };
      },
    );
  };
}

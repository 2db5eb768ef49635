// `/office`: the sync health of every device of the signed-in user's organization, rendered on the
// server. Signed in with the same auth as `/api` — the session token travels in a cookie instead of a
// header: Clerk's own `__session` cookie, or, with dev auth, one minted by the dev sign-in form.
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DevKey } from '../auth/devKey';
import { withPrefix } from '../auth/devSession';
import { mintDevSessionToken } from '../auth/devTokens';
import { HttpError } from '../errors';
import { ipRateLimit } from '../ipRateLimit';
import { listDevices, listRuns } from '../syncHealth/healthStore';
import { deviceHealth } from './deviceHealth';
import { renderOfficePage, renderSignIn } from './officePage';
import { TIMELINE_SPAN_MS } from './runTimeline';

export const OFFICE_COOKIE = 'vhd_office_session';
/** Clerk's session cookie on the app's domain. */
const CLERK_COOKIE = '__session';
const DEV_SESSION_S = 8 * 3_600;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface OfficeOptions {
  now: () => number;
  /** Dev auth: the key and issuer the dev sign-in mints tokens with; null with Clerk. */
  dev: { key: DevKey; issuer: string; authorizedParty: string | null } | null;
  secureCookies: boolean;
}

export async function officeRoutes(scope: FastifyInstance, options: OfficeOptions): Promise<void> {
  await scope.register(cookie);
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  const html = (reply: FastifyReply, status: number, page: string) =>
    reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
  const signIn = (reply: FastifyReply, status: number, error?: string) =>
    html(reply, status, renderSignIn({ devAuth: options.dev !== null, ...(error ? { error } : {}) }));

  /** The session from a cookie, checked exactly as `/api` checks a bearer token. */
  const signedIn = async (req: FastifyRequest): Promise<{ ok: true } | { ok: false; error?: string }> => {
    const token = req.cookies[OFFICE_COOKIE] ?? req.cookies[CLERK_COOKIE];
    if (!token) return { ok: false };
    req.headers.authorization = `Bearer ${token}`;
    try {
      await scope.authenticate(req);
      return { ok: true };
    } catch (e) {
      if (e instanceof HttpError && (e.statusCode === 401 || e.statusCode === 403))
        return { ok: false, error: e.message };
      throw e;
    }
  };

  scope.get('/office', async (req, reply) => {
    const session = await signedIn(req);
    if (!session.ok) {
      if (session.error) reply.clearCookie(OFFICE_COOKIE, { path: '/office' });
      return signIn(reply, 401, session.error);
    }
    const { orgId, userId } = req.auth;
    const nowMs = options.now();
    const [devices, runs] = await Promise.all([
      listDevices(scope.db, orgId),
      listRuns(scope.db, orgId, nowMs - TIMELINE_SPAN_MS, nowMs),
    ]);
    const health = devices.map((d) =>
      deviceHealth(
        d,
        runs.filter((r) => r.deviceId === d.deviceId),
        nowMs,
      ),
    );
    return html(reply, 200, renderOfficePage({ orgId, userId, nowMs, devices: health }));
  });

  // `?user=&org=` fill the dev form in (the demo prints such a link).
  scope.get<{ Querystring: { user?: string; org?: string } }>('/office/sign-in', async (req, reply) => {
    const { user, org } = req.query;
    return html(
      reply,
      200,
      renderSignIn({
        devAuth: options.dev !== null,
        ...(user && ID.test(user) ? { user } : {}),
        ...(org && ID.test(org) ? { org } : {}),
      }),
    );
  });

  // The dev sign-in mints tokens for anyone who asks, like /dev/session: limited per IP alike.
  await scope.register(async (limited) => {
    await limited.register(rateLimit, ipRateLimit(scope.config));
    limited.post<{ Body: Record<string, string> | undefined }>('/office/sign-in', async (req, reply) => {
      const dev = options.dev;
      if (!dev) return signIn(reply, 404, 'Sign in with Clerk: this server has no dev sign-in');
      const user = req.body?.user ?? '';
      const org = req.body?.org ?? '';
      if (!ID.test(user) || !ID.test(org))
        return signIn(reply, 400, 'User and organization: 1–64 letters, digits, _ or -');
      const token = await mintDevSessionToken(dev.key, dev.issuer, {
        userId: withPrefix('user_', user),
        orgId: withPrefix('org_', org),
        expiresInSec: DEV_SESSION_S,
        ...(dev.authorizedParty ? { authorizedParty: dev.authorizedParty } : {}),
      });
      reply.setCookie(OFFICE_COOKIE, token, {
        path: '/office',
        httpOnly: true,
        sameSite: 'strict',
        secure: options.secureCookies,
        maxAge: DEV_SESSION_S,
      });
      return reply.redirect('/office', 303);
    });
  });

  scope.post('/office/sign-out', async (_req, reply) => {
    reply.clearCookie(OFFICE_COOKIE, { path: '/office' });
    return reply.redirect('/office/sign-in', 303);
  });
}

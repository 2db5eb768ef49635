import type { webcrypto } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadDevKey } from '../src/auth/devKey';
import { mintDevSessionToken } from '../src/auth/devTokens';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { call, uuid } from './support/http';

/** A sample body for each method, so a route that needs one gets past parsing to authentication. */
const sampleBody = (method: string) => (method === 'GET' || method === 'HEAD' ? undefined : {});

describe.each(testBackends())('authentication on %s', (backend) => {
  let server: TestServer;
  let foreignKey: webcrypto.CryptoKey;
  beforeAll(async () => {
    server = await startTestServer({ backend });
    foreignKey = (await generateKeyPair('RS256')).privateKey;
  });
  afterAll(() => server?.close());

  const apiRoutes = () => {
    const routes = server.app.routeList.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD');
    expect(routes.map((r) => r.url)).toContain('/api/powersync/upload');
    return routes;
  };

  it('answers 401 on every /api route without a token, with an expired one, a bad signature or a non-bearer header', async () => {
    const expired = await server.mintToken({ expiresInSec: -60 });
    const valid = await server.mintToken();
    const [h, p] = valid.split('.');
    const forged = await new SignJWT({ sub: 'user_x', o: { id: 'org_test', rol: 'admin' }, v: 2 })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(foreignKey);
    const cases: [string, Record<string, string>, RegExp][] = [
      ['no token', {}, /Missing bearer token/],
      ['expired', { authorization: `Bearer ${expired}` }, /expired/i],
      ['foreign key', { authorization: `Bearer ${forged}` }, /signature/i],
      ['tampered', { authorization: `Bearer ${h}.${p}x.${valid.split('.')[2]}` }, /./],
      ['garbage', { authorization: 'Bearer not.a.jwt' }, /./],
      ['basic', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, /Missing bearer token/],
    ];
    for (const route of apiRoutes()) {
      for (const [name, headers, message] of cases) {
        const res = await call(server, route.method, route.url, { headers, body: sampleBody(route.method) });
        expect(res.status, `${route.method} ${route.url} (${name})`).toBe(401);
        expect(res.body.error.code).toBe('unauthorized');
        expect(res.body.error.message).toMatch(message);
      }
    }
  });

  it('answers 403 on every /api route to a session without an active organization', async () => {
    const token = await server.mintToken({ orgId: null });
    for (const route of apiRoutes()) {
      const res = await call(server, route.method, route.url, { token, body: sampleBody(route.method) });
      expect(res.status, `${route.method} ${route.url}`).toBe(403);
      expect(res.body).toEqual({
        error: { code: 'no_organization', message: expect.stringContaining('organization') },
      });
    }
  });

  it('reads the organization from version 1 (org_id) and version 2 (o.id) session tokens', async () => {
    const devSession = await call(server, 'POST', '/dev/session', { body: { user: 'alice', org: 'acme' } });
    expect(devSession.status).toBe(200);
    expect(devSession.body).toMatchObject({
      userId: 'user_alice',
      orgId: 'org_acme',
      token: expect.any(String),
    });
    const noOrg = await call(server, 'POST', '/dev/session', { body: { org: null } });
    expect(noOrg.body.orgId).toBeNull();
    const empty = await call(server, 'POST', '/dev/session');
    expect(empty.body).toMatchObject({ userId: 'user_dev', orgId: 'org_dev' });

    const v2 = devSession.body.token as string;
    const batch = (id: string) => ({
      client_id: `c-${uuid()}`,
      batch: [{ op_id: 1, op: 'PUT', type: 'schedules', id, data: {} }],
    });
    const s2 = uuid();
    expect((await call(server, 'POST', '/api/powersync/upload', { token: v2, body: batch(s2) })).status).toBe(
      200,
    );
    expect((await server.db.query('SELECT org_id FROM schedules WHERE id = $1', [s2])).rows).toEqual([
      { org_id: 'org_acme' },
    ]);
    expect((await server.db.query("SELECT role FROM memberships WHERE user_id = 'user_alice'")).rows).toEqual(
      [{ role: 'admin' }],
    );
  });

  it("refuses a dev-key token from another issuer than this server's dev auth", async () => {
    const key = await loadDevKey(server.config.dataDir);
    const elsewhere = await mintDevSessionToken(key, 'https://elsewhere.example/dev', {
      userId: 'user_x',
      orgId: 'org_test',
    });
    const res = await call(server, 'POST', '/api/powersync/upload', {
      token: elsewhere,
      body: { client_id: `c-${uuid()}`, batch: [] },
    });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/issuer/);
  });

  it('creates the organization row on the first authenticated request', async () => {
    const orgId = `org_${uuid().slice(0, 8)}`;
    const token = await server.mintToken({ orgId });
    expect((await server.db.query('SELECT 1 FROM organizations WHERE id = $1', [orgId])).rows).toHaveLength(
      0,
    );
    await call(server, 'POST', '/api/powersync/upload', {
      token,
      body: { client_id: `c-${uuid()}`, batch: [] },
    });
    expect(
      (await server.db.query('SELECT id, name FROM organizations WHERE id = $1', [orgId])).rows,
    ).toHaveLength(1);
  });
});

describe.each(testBackends())('Clerk mode (CLERK_JWT_KEY) on %s', (backend) => {
  let server: TestServer;
  let clerkKey: webcrypto.CryptoKey;
  beforeAll(async () => {
    // Stands in for the Clerk instance: its PEM public key is what CLERK_JWT_KEY holds.
    const pair = await generateKeyPair('RS256', { extractable: true });
    clerkKey = pair.privateKey;
    server = await startTestServer({ backend, config: { clerkJwtKey: await exportSPKI(pair.publicKey) } });
  });
  afterAll(() => server?.close());

  const clerkToken = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'ins_test', typ: 'JWT' })
      .setSubject('user_2clerk')
      .setIssuedAt()
      .setNotBefore('-5s')
      .setExpirationTime('60s')
      .sign(clerkKey);

  it('accepts Clerk v1 and v2 session tokens, and has no dev session route', async () => {
    for (const claims of [
      { v: 2, o: { id: 'org_2v2', rol: 'member', slg: 'v2' } },
      { org_id: 'org_2v1', org_role: 'org:admin' },
    ]) {
      const token = await clerkToken(claims);
      const res = await call(server, 'POST', '/api/powersync/upload', {
        token,
        body: { client_id: `c-${uuid()}`, batch: [] },
      });
      expect(res.status).toBe(200);
    }
    expect(
      (await server.db.query('SELECT user_id, org_id, role FROM memberships ORDER BY org_id')).rows,
    ).toEqual([
      { user_id: 'user_2clerk', org_id: 'org_2v1', role: 'admin' },
      { user_id: 'user_2clerk', org_id: 'org_2v2', role: 'member' },
    ]);
    expect((await call(server, 'POST', '/dev/session', { body: {} })).status).toBe(404);
    await expect(server.mintToken()).rejects.toThrow(/dev auth/);
  });

  it('checks the issuer (CLERK_ISSUER) and the authorized party (CLERK_AUTHORIZED_PARTIES) when set', async () => {
    const issuer = 'https://clerk.vhd.example';
    const party = 'https://office.vhd.example';
    const checking = await startTestServer({
      backend,
      config: {
        clerkJwtKey: server.config.clerkJwtKey!,
        clerkIssuer: issuer,
        clerkAuthorizedParties: [party],
      },
    });
    onTestFinished(() => checking.close());
    const org = { v: 2, o: { id: 'org_2iss', rol: 'admin' } };
    const cases: [Record<string, unknown>, number][] = [
      [{ ...org, iss: issuer, azp: party }, 200],
      [{ ...org, azp: party }, 401],
      [{ ...org, iss: 'https://evil.example', azp: party }, 401],
      [{ ...org, iss: issuer }, 401],
      [{ ...org, iss: issuer, azp: 'https://evil.example' }, 401],
    ];
    for (const [claims, status] of cases) {
      const res = await call(checking, 'POST', '/api/powersync/upload', {
        token: await clerkToken(claims),
        body: { client_id: `c-${uuid()}`, batch: [] },
      });
      expect(res.status, JSON.stringify(claims)).toBe(status);
    }
    // Without the settings, neither claim is checked (the server above them is the plain one).
    const plain = await call(server, 'POST', '/api/powersync/upload', {
      token: await clerkToken({ ...org, iss: 'https://evil.example' }),
      body: { client_id: `c-${uuid()}`, batch: [] },
    });
    expect(plain.status).toBe(200);
  });

  it('refuses dev-auth tokens', async () => {
    const dev = await startTestServer({ backend });
    try {
      const token = await dev.mintToken();
      const res = await call(server, 'POST', '/api/powersync/upload', {
        token,
        body: { client_id: 'c', batch: [] },
      });
      expect(res.status).toBe(401);
    } finally {
      await dev.close();
    }
  });
});

describe('per-user rate limit on /api', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimitMax: 3, uploadRateLimitMax: 12, rateLimitWindowMs: 60_000 },
    });
  });
  afterAll(() => server?.close());

  it('answers 429 with Retry-After once a user exceeds the limit; other users and /health are unaffected', async () => {
    const [alice, bob] = await Promise.all([server.mintToken(), server.mintToken()]);
    for (let i = 0; i < 3; i++) {
      expect((await call(server, 'GET', '/api/powersync/token', { token: alice })).status).not.toBe(429);
    }
    const limited = await call(server, 'GET', '/api/powersync/token', { token: alice });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error).toEqual({ code: 'rate_limited', message: expect.stringMatching(/retry in/) });
    expect((await call(server, 'GET', '/api/powersync/token', { token: bob })).status).not.toBe(429);
    for (let i = 0; i < 5; i++) expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  it('lets a phone drain its backlog: uploads have their own, higher per-user limit', async () => {
    const token = await server.mintToken();
    const body = { client_id: `c-${uuid()}`, batch: [] };
    // More back-to-back uploads than the general limit allows…
    for (let i = 0; i < 12; i++) {
      expect((await call(server, 'POST', '/api/powersync/upload', { token, body })).status).toBe(200);
    }
    // …then the upload limit, and the other routes still have their own count.
    expect((await call(server, 'POST', '/api/powersync/upload', { token, body })).status).toBe(429);
    expect((await call(server, 'GET', '/api/powersync/token', { token })).status).not.toBe(429);
  });
});

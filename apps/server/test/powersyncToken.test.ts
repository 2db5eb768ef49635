import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';

describe.each(testBackends())('PowerSync credentials (%s)', (backend) => {
  let server: TestServer;
  let bare: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ backend, config: { powersyncUrl: 'http://127.0.0.1:8080' } });
    bare = await startTestServer({ backend });
  });
  afterAll(async () => {
    await server?.close();
    await bare?.close();
  });

  async function getToken(target: TestServer, orgId = 'org_ps') {
    const token = await target.mintToken({ userId: 'user_ps', orgId });
    return fetch(`${target.url}/api/powersync/token`, { headers: { authorization: `Bearer ${token}` } });
  }

  it('issues a token that verifies against the running server JWKS with jose', async () => {
    const response = await getToken(server);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { endpoint: string; token: string; expiresAt: string };
    expect(body.endpoint).toBe('http://127.0.0.1:8080');
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(body.token, jwks, { audience: 'vhd-powersync' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({ sub: 'user_ps', org_id: 'org_ps', aud: 'vhd-powersync' });
    expect(payload.exp! - payload.iat!).toBe(server.config.powersyncTokenTtlS);
    expect(new Date(body.expiresAt).getTime()).toBe(payload.exp! * 1000);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('does not verify a token signed by a key the JWKS does not publish, even with a published kid', async () => {
    const jwksUrl = new URL(`${server.url}/.well-known/jwks.json`);
    const published = (await (await fetch(jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(published.keys.length).toBeGreaterThan(0);
    expect(published.keys.every((key) => !('d' in key))).toBe(true);
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwks = createRemoteJWKSet(jwksUrl);
    for (const kid of ['unpublished-key', published.keys[0]!.kid]) {
      const forged = await new SignJWT({ org_id: 'org_ps' })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject('user_ps')
        .setAudience('vhd-powersync')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      await expect(jwtVerify(forged, jwks, { audience: 'vhd-powersync' })).rejects.toThrow();
    }
    expect((await exportJWK(privateKey)).kty).toBe('RSA');
  });

  it('needs a session, and answers 503 when no PowerSync endpoint is configured', async () => {
    expect((await fetch(`${server.url}/api/powersync/token`)).status).toBe(401);
    const response = await getToken(bare);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'powersync_not_configured' } });
  });
});

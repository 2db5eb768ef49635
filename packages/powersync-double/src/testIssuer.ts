// A local token issuer for tests that do not run the real server: an RS256 key, its JWKS served on
// loopback, and PowerSync tokens shaped like the server's (`kid`, `aud`, `sub`, `org_id`).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface TestIssuer {
  jwksUrl: string;
  audience: string;
  mintToken(claims: { sub: string; orgId?: string; expiresInS?: number; audience?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function createTestIssuer(options: { audience?: string } = {}): Promise<TestIssuer> {
  const audience = options.audience ?? 'vhd-powersync';
  const kid = 'test-issuer-1';
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    audience,
    mintToken: ({ sub, orgId, expiresInS = 300, audience: aud = audience }) =>
      new SignJWT(orgId === undefined ? {} : { org_id: orgId })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject(sub)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
        .sign(privateKey),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

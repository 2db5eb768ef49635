// The device's token provider against a stand-in of the server's dev auth: reuse while the token
// has time left, a fresh one on forceRefresh, and the stale cache used by the token-expiry trials.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSessionTokens } from '../src/device/devSessionTokens';

let server: Server;
let url: string;
let minted = 0;
let lifetimeSec = 60;
const bodies: unknown[] = [];

function jwt(exp: number): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ exp, n: ++minted })}.sig`;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      const exp = Math.floor(Date.now() / 1000) + lifetimeSec;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: jwt(exp) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('devSessionTokens', () => {
  it('asks /dev/session for its user and organization, and reuses a token with time left', async () => {
    lifetimeSec = 60;
    const tokens = devSessionTokens({
      apiUrl: url,
      userId: 'user_a',
      orgId: 'org_a',
      ttlSec: 60,
      timeoutMs: 1_000,
    });
    const first = await tokens.getToken();
    expect(await tokens.getToken()).toBe(first);
    expect(tokens.fetched).toBe(1);
    expect(bodies.at(-1)).toEqual({ user: 'user_a', org: 'org_a', expiresInSec: 60 });
    expect(await tokens.getToken({ forceRefresh: true })).not.toBe(first);
    expect(tokens.fetched).toBe(2);
  });

  it('fetches again when the cached token is about to expire', async () => {
    lifetimeSec = 3;
    const tokens = devSessionTokens({ apiUrl: url, userId: 'user_b', orgId: 'org_b', timeoutMs: 1_000 });
    const first = await tokens.getToken();
    expect(await tokens.getToken()).not.toBe(first);
  });

  it('with a stale cache, keeps an expired token until told to refresh', async () => {
    lifetimeSec = 1;
    let now = Date.now();
    const tokens = devSessionTokens({
      apiUrl: url,
      userId: 'user_c',
      orgId: 'org_c',
      stale: true,
      timeoutMs: 1_000,
      now: () => now,
    });
    const first = await tokens.getToken();
    now += 60_000;
    expect(await tokens.getToken()).toBe(first);
    expect(await tokens.getToken({ forceRefresh: true })).not.toBe(first);
  });
});

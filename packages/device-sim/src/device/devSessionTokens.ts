// The device's token provider: session tokens from the server's dev auth (`POST /dev/session`),
// asked for through the device's link like Clerk's own API would be. Like Clerk's getToken(), a
// token is reused while it has time left and fetched again on `forceRefresh`. With `stale`, the
// cache keeps handing out an expired token until the caller forces a refresh (a stale token cache:
// the server's 401 must lead to exactly one fresh token).
import type { TokenProvider } from '@vhd/background-sync';

export interface DevSessionTokensOptions {
  apiUrl: string;
  userId: string;
  orgId: string;
  /** Lifetime asked of the server (default: the server's own). */
  ttlSec?: number;
  stale?: boolean;
  /** Bound of one token request. */
  timeoutMs: number;
  /** Real-time clock (tokens expire on the server's wall clock). */
  now?: () => number;
}

/** A cached token is not handed out in its last seconds: a request must still reach the server with it. */
const REFRESH_BEFORE_EXPIRY_MS = 5_000;

export function devSessionTokens(options: DevSessionTokensOptions): TokenProvider & { fetched: number } {
  const now = options.now ?? Date.now;
  let cached: { token: string; expiresAt: number } | undefined;
  const provider = {
    fetched: 0,
    async getToken(request?: { forceRefresh?: boolean }): Promise<string | null> {
      const fresh =
        cached &&
        (options.stale || cached.expiresAt - REFRESH_BEFORE_EXPIRY_MS > now()) &&
        !request?.forceRefresh;
      if (fresh && cached) return cached.token;
      const res = await fetch(`${options.apiUrl}/dev/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          user: options.userId,
          org: options.orgId,
          ...(options.ttlSec ? { expiresInSec: options.ttlSec } : {}),
        }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (!res.ok) throw new Error(`dev session: HTTP ${res.status}`);
      const { token } = (await res.json()) as { token: string };
      provider.fetched++;
      cached = { token, expiresAt: expiryOf(token) };
      return token;
    },
  };
  return provider;
}

function expiryOf(jwt: string): number {
  const payload = jwt.split('.')[1];
  if (!payload) throw new Error('dev session: not a JWT');
  const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: number };
  if (typeof exp !== 'number') throw new Error('dev session: token without exp');
  return exp * 1000;
}

// Dev auth (no Clerk key configured): the server's POST /dev/session mints Clerk-shaped tokens.
// The signed-in identity is kept in the secure store (readable after first unlock, like Clerk's
// client token), and a token is minted again before it expires.
import type { ApiFailure, FetchPort } from '@vhd/background-sync';
import * as SecureStore from 'expo-secure-store';
import { createApiClient } from '../ApiClient';
import type { AuthSession } from './session';

const STORE_KEY = 'vhd.dev_session';
const STORE_OPTIONS = { keychainAccessible: SecureStore.AFTER_FIRST_UNLOCK };
const TOKEN_LIFETIME_SEC = 3600;
/** Mint a new token this long before the old one expires. */
const RENEW_MARGIN_MS = 5 * 60_000;
const MINT_TIMEOUT_MS = 15_000;

export interface DevIdentity {
  userId: string;
  orgId: string | null;
}

let cachedToken: { userId: string; token: string; renewAt: number } | null = null;

async function mint(
  identity: { user?: string; org?: string | null },
  fetch: FetchPort | undefined,
): Promise<DevIdentity & { token: string }> {
  const res = await createApiClient(fetch ? { fetch } : {}).post<{
    token: string;
    userId: string;
    orgId: string | null;
  }>(
    '/dev/session',
    { ...identity, expiresInSec: TOKEN_LIFETIME_SEC },
    { auth: false, timeoutMs: MINT_TIMEOUT_MS },
  );
  if (!res.ok) throw new Error(`dev sign-in failed: ${describeFailure(res.failure)}`);
  const body = res.body;
  cachedToken = {
    userId: body.userId,
    token: body.token,
    renewAt: Date.now() + TOKEN_LIFETIME_SEC * 1000 - RENEW_MARGIN_MS,
  };
  return body;
}

function describeFailure(failure: ApiFailure): string {
  if (failure.kind === 'http') return `HTTP ${failure.status} ${failure.message}`;
  if (failure.kind === 'aborted') return failure.reason.message;
  return failure.message;
}

export async function devSignIn(
  input: { user?: string; org?: string },
  fetch?: FetchPort,
): Promise<DevIdentity> {
  const { userId, orgId } = await mint(input, fetch);
  await SecureStore.setItemAsync(STORE_KEY, JSON.stringify({ userId, orgId }), STORE_OPTIONS);
  return { userId, orgId };
}

export async function loadDevSession(fetch?: FetchPort): Promise<AuthSession | null> {
  const stored = await SecureStore.getItemAsync(STORE_KEY, STORE_OPTIONS);
  if (!stored) return null;
  const identity = JSON.parse(stored) as DevIdentity;
  return {
    userId: identity.userId,
    async getToken(options) {
      const fresh = cachedToken?.userId === identity.userId && Date.now() < cachedToken.renewAt;
      if (fresh && !options?.forceRefresh) return cachedToken!.token;
      return (await mint({ user: identity.userId, org: identity.orgId }, fetch)).token;
    },
  };
}

export async function signOutDev(): Promise<void> {
  cachedToken = null;
  await SecureStore.deleteItemAsync(STORE_KEY, STORE_OPTIONS);
}

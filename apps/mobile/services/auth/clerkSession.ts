// Clerk without React: the same singleton ClerkProvider uses, with the secure-store token cache
// (readable after first unlock, so a background run on a locked phone still finds the client) and
// Clerk Expo's offline resource cache: without it load() throws offline, and a technician
// cold-starting in a basement would be locked out. With it, load() falls back to the cached client
// and environment (Clerk says "degraded") and retries Clerk's API itself once the network is back.
import { getClerkInstance } from '@clerk/clerk-expo';
import { resourceCache } from '@clerk/clerk-expo/resource-cache';
import { tokenCache } from '@clerk/clerk-expo/token-cache';
import type { AuthSession } from './session';

type ClerkInstance = ReturnType<typeof getClerkInstance>;

let loading: Promise<ClerkInstance> | null = null;

/** The options ClerkProvider and the headless instance share (the first to build it wins). */
export function clerkOptions(publishableKey: string) {
  return {
    publishableKey,
    ...(tokenCache ? { tokenCache } : {}),
    __experimental_resourceCache: resourceCache,
  };
}

export function clerkInstance(publishableKey: string): ClerkInstance {
  return getClerkInstance(clerkOptions(publishableKey));
}

/**
 * What ClerkProvider passes to load() when a resource cache is given: network errors reach the
 * loader, which then uses the cache. Whoever loads first (a cold background launch has no
 * provider) sets them for the runtime.
 */
const LOAD_OPTIONS = { standardBrowser: false, experimental: { rethrowOfflineNetworkErrors: true } };

/** Loads Clerk once per runtime (offline: from the resource cache, once it has been filled online). */
function loadedClerk(publishableKey: string): Promise<ClerkInstance> {
  const clerk = clerkInstance(publishableKey);
  if (clerk.loaded) return Promise.resolve(clerk);
  loading ??= clerk.load(LOAD_OPTIONS).then(
    () => clerk,
    (e: unknown) => {
      loading = null;
      throw e;
    },
  );
  return loading;
}

export async function loadClerkSession(publishableKey: string): Promise<AuthSession | null> {
  const clerk = await loadedClerk(publishableKey);
  const userId = clerk.user?.id;
  if (!userId || !clerk.session) return null;
  return {
    userId,
    async getToken(options) {
      const session = clerk.session;
      if (!session) return null;
      return session.getToken(options?.forceRefresh ? { skipCache: true } : undefined);
    },
  };
}

export async function signOutClerk(publishableKey: string): Promise<void> {
  const clerk = await loadedClerk(publishableKey);
  await clerk.signOut();
}

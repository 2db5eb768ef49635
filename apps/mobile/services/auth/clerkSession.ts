// Clerk without React: the same singleton ClerkProvider uses, with the secure-store token cache
// (readable after first unlock, so a background run on a locked phone still finds the client).
import { getClerkInstance } from '@clerk/clerk-expo';
import { tokenCache } from '@clerk/clerk-expo/token-cache';
import type { AuthSession } from './session';

type ClerkInstance = ReturnType<typeof getClerkInstance>;

let loading: Promise<ClerkInstance> | null = null;

export function clerkInstance(publishableKey: string): ClerkInstance {
  return getClerkInstance(tokenCache ? { publishableKey, tokenCache } : { publishableKey });
}

/** Loads Clerk once per runtime (needs network to Clerk on a cold start). */
function loadedClerk(publishableKey: string): Promise<ClerkInstance> {
  const clerk = clerkInstance(publishableKey);
  if (clerk.loaded) return Promise.resolve(clerk);
  loading ??= clerk.load().then(
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

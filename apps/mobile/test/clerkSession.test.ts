// Clerk, loaded headless, must start offline: with Clerk Expo's resource cache its load() falls
// back to the cached client and environment instead of throwing on a network error.
import { resourceCache } from '@clerk/clerk-expo/resource-cache';
import { clerkInstance, loadClerkSession } from '../services/auth/clerkSession';

jest.mock('@clerk/clerk-expo', () => {
  const clerk = {
    loaded: false,
    load: jest.fn(async () => {
      clerk.loaded = true;
    }),
    user: { id: 'user_1' } as { id: string } | null,
    session: { getToken: jest.fn(async () => 'jwt') } as unknown,
  };
  return { getClerkInstance: jest.fn(() => clerk), clerk };
});

const clerkExpo = jest.requireMock('@clerk/clerk-expo') as {
  getClerkInstance: jest.Mock;
  clerk: { loaded: boolean; load: jest.Mock };
};

test('the Clerk instance is built with the offline resource cache, and loads with offline errors handled', async () => {
  clerkInstance('pk_test_x');
  expect(clerkExpo.getClerkInstance).toHaveBeenCalledWith(
    expect.objectContaining({ publishableKey: 'pk_test_x', __experimental_resourceCache: resourceCache }),
  );

  const session = await loadClerkSession('pk_test_x');
  expect(session?.userId).toBe('user_1');
  // The provider's option, given to the headless load too (a cold background launch mounts no provider).
  expect(clerkExpo.clerk.load).toHaveBeenCalledWith(
    expect.objectContaining({ experimental: expect.objectContaining({ rethrowOfflineNetworkErrors: true }) }),
  );
});

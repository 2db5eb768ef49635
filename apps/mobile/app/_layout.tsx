// Root layout: auth providers, the session, and the app lifecycle of the background sync
// (AppState: background → register the OS task and release the foreground hold; active →
// unregister, abort a background run, hold the live connection, run a 60 s resume catch-up).
import { ClerkProvider } from '@clerk/clerk-expo';
import { Stack } from 'expo-router';
import { type ReactNode, useEffect } from 'react';
import { SessionProvider, useSession } from '../components/SessionProvider';
import { clerkOptions } from '../services/auth/clerkSession';
import { useBackgroundLifecycle } from '../services/background/useBackgroundLifecycle';
import { recoverPendingCapture } from '../services/capture/pendingCapture';
import { appConfig } from '../services/config';

function BackgroundLifecycle() {
  const { system } = useSession();
  useBackgroundLifecycle(system, appConfig().backgroundPolicy);
  // A photo the camera delivered while Android had destroyed the app comes back now.
  useEffect(() => {
    if (!system) return;
    recoverPendingCapture(system).catch((e: unknown) =>
      system.ports.logger.error('camera: could not recover a pending photo', { error: String(e) }),
    );
  }, [system]);
  return null;
}

function AuthProvider({ children }: { children: ReactNode }) {
  const key = appConfig().clerkPublishableKey;
  if (!key) return children;
  return <ClerkProvider {...clerkOptions(key)}>{children}</ClerkProvider>;
}

export default function RootLayout() {
  return (
    <AuthProvider>
      <SessionProvider>
        <BackgroundLifecycle />
        <Stack screenOptions={{ headerBackButtonDisplayMode: 'minimal' }}>
          <Stack.Screen name="(app)" options={{ headerShown: false }} />
          <Stack.Screen name="sign-in" options={{ title: 'Sign in' }} />
        </Stack>
      </SessionProvider>
    </AuthProvider>
  );
}

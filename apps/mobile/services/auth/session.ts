// Who is signed in, as the background run and the screens both need it: Clerk (loaded headless,
// so a cold background launch with no provider mounted can still get a token) or, with no Clerk
// key configured, the server's dev auth.
import { appConfig } from '../config';
import { loadClerkSession, signOutClerk } from './clerkSession';
import { loadDevSession, signOutDev } from './devSession';

export interface AuthSession {
  userId: string;
  /** A fresh session token (Clerk's live ~60 s), or null when the session ended. */
  getToken(options?: { forceRefresh?: boolean }): Promise<string | null>;
}

export type AuthMode = 'clerk' | 'dev';

export function authMode(): AuthMode {
  return appConfig().clerkPublishableKey ? 'clerk' : 'dev';
}

export function loadSession(): Promise<AuthSession | null> {
  const key = appConfig().clerkPublishableKey;
  return key ? loadClerkSession(key) : loadDevSession();
}

export function signOutSession(): Promise<void> {
  const key = appConfig().clerkPublishableKey;
  return key ? signOutClerk(key) : signOutDev();
}

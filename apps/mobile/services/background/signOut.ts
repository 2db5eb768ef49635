// Sign-out: the auth provider first — if Clerk's signOut() throws (offline), nothing else has
// changed and the user stays signed in with an open database. Then the OS task is withdrawn (a
// later run would have no user), the engine stops and the database closes; the user's file stays,
// so their unsent work is still there next sign-in.
import { signOutSession } from '../auth/session';
import { unregisterBackgroundSync } from './BackgroundSync';
import { closeBackgroundSystem, currentBackgroundSystem } from './BackgroundSystem';

export interface PendingWork {
  changes: number;
  photos: number;
}

/** Work that has not reached the server yet (the screen warns before signing out). */
export async function pendingWork(): Promise<PendingWork> {
  const system = currentBackgroundSystem();
  if (!system) return { changes: 0, photos: 0 };
  const overview = await system.sync.getSyncOverview();
  const byState = overview.photos.byState;
  return {
    changes: overview.pendingChanges,
    photos: (byState.QUEUED_UPLOAD ?? 0) + (byState.UPLOADING ?? 0) + (byState.FAILED ?? 0),
  };
}

export async function signOut(): Promise<void> {
  await signOutSession();
  await unregisterBackgroundSync();
  await closeBackgroundSystem();
}

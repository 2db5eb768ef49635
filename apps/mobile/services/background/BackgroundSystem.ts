// What a background run uses, and the screens too: ONE database object per JS runtime, one file
// per signed-in user, and the engine on it — createSyncEngine wires the SyncController, connector,
// uploader, run mutex, photo queue and phases — over the Expo ports (./ports). The engine's SystemOwner keeps the opening as a promise, so the task
// and the UI asking at once (an iOS cold background launch mounts the UI too) get the same system:
// two database objects on one file miss each other's writes and upload rows twice (DESIGN
// departure 1).
import type { PowerSyncDatabase } from '@powersync/react-native';
import { createSyncEngine, createSystemOwner, type Ports, type SyncEngine } from '@vhd/background-sync';
import { type AuthSession, loadSession } from '../auth/session';
import { appConfig } from '../config';
import { openUserDatabase } from '../database/openDatabase';
import type { PhotoAttachmentQueue } from '../database/PhotoAttachmentQueue';
import { createExpoPorts } from './ports';

export interface BackgroundSystem {
  userId: string;
  db: PowerSyncDatabase;
  /** The engine: runBackgroundSync, getSyncOverview, setAppActive, controller, connector, … */
  sync: SyncEngine;
  queue: PhotoAttachmentQueue;
  ports: Ports;
}

function createSystem(userId: string): BackgroundSystem {
  const ports = createExpoPorts();
  const db = openUserDatabase(userId);
  // Built with a PowerSync endpoint, the download phase need not ask the server for one.
  const download = appConfig().powerSyncUrl ? { isEndpointConfigured: () => true } : {};
  const sync = createSyncEngine({ db, ports, download });
  return { userId, db, sync, queue: sync.queue, ports };
}

const owner = createSystemOwner<BackgroundSystem>({
  open: createSystem,
  async close(system) {
    await system.sync.close();
    await system.db.close();
  },
});

/** The system for `session`'s user, opening it on first use; another user's is closed first. */
export function systemFor(session: AuthSession): Promise<BackgroundSystem> {
  return owner.systemFor(session.userId);
}

/** The system of the signed-in user, or null when no one is signed in. */
export async function getBackgroundSystem(): Promise<BackgroundSystem | null> {
  const session = await loadSession();
  return session ? systemFor(session) : null;
}

/** The open system, if any, without loading a session (e.g. to abort a run). */
export function currentBackgroundSystem(): BackgroundSystem | null {
  return owner.current();
}

/** Sign-out: abort the active run, release every hold (disconnects), close the database. */
export function closeBackgroundSystem(): Promise<void> {
  return owner.close();
}

// The app's photo queue: the engine's PhotoAttachmentQueue over the Expo ports. Background code
// uses expo/fetch; tests may pass another `fetch`.
import { type FetchPort, PhotoAttachmentQueue, type Ports, type SyncDatabase } from '@vhd/background-sync';

export { PhotoAttachmentQueue };

export function createPhotoAttachmentQueue(
  db: SyncDatabase,
  options: { ports: Ports; fetch?: FetchPort },
): PhotoAttachmentQueue {
  const ports = options.fetch ? { ...options.ports, fetch: options.fetch } : options.ports;
  return new PhotoAttachmentQueue({ db, ports });
}

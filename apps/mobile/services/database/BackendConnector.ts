// The app's PowerSync connector and its one owner: the engine builds the BackendConnector
// (credentials from our server, uploads through the one CrudUploader) together with the
// SyncController that alone connects and disconnects, and the run with its photo and download
// phases. Background code uses expo/fetch; tests may pass another `fetch`.
import {
  BackendConnector,
  type BackgroundSync,
  createBackgroundSync,
  createDownloadPhase,
  createPhotoPhase,
  type FetchPort,
  type PhotoAttachmentQueue,
  type Ports,
  type SyncDatabase,
} from '@vhd/background-sync';

export { BackendConnector };

export interface SyncEngineOptions {
  ports: Ports;
  queue: PhotoAttachmentQueue;
  fetch?: FetchPort;
  /** A configured PowerSync endpoint: skips asking the server whether there is one. */
  powerSyncUrl?: string | null;
}

export function createSyncEngine(db: SyncDatabase, options: SyncEngineOptions): BackgroundSync {
  const ports = options.fetch ? { ...options.ports, fetch: options.fetch } : options.ports;
  return createBackgroundSync({
    db,
    ports,
    phases: (parts) => ({
      photos: createPhotoPhase(options.queue),
      download: createDownloadPhase({
        controller: parts.controller,
        uploader: parts.uploader,
        api: parts.api,
        ...(options.powerSyncUrl ? { isEndpointConfigured: () => true } : {}),
      }),
    }),
  });
}

// Two deliberately broken engines, for proving that the trials catch such bugs (a device-child
// option; never used otherwise). Each wraps one port of the real engine to misbehave.
import { basename, extname } from 'node:path';
import { markSynced, type SyncDatabase, type UploadFilePort } from '@vhd/background-sync';

/**
 * The database as the uploader sees it, but every CRUD batch is completed locally as soon as it is
 * taken — before the request is sent. A failed request or a kill then loses those ops.
 */
export function completeCrudBeforeAnswer(db: SyncDatabase): SyncDatabase {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'getCrudBatch') {
        return async (limit?: number) => {
          const batch = await target.getCrudBatch(limit);
          if (!batch) return batch;
          await batch.complete();
          return { crud: batch.crud, haveMore: batch.haveMore, complete: async () => {} };
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The upload port, but the photo is marked SYNCED as its upload starts, before the store answered. */
export function markSyncedBeforeStore(db: SyncDatabase, upload: UploadFilePort): UploadFilePort {
  return async (localPath, url, fields, signal, onProgress) => {
    const photoId = basename(localPath, extname(localPath));
    await markSynced(db, photoId, Date.now(), null);
    return upload(localPath, url, fields, signal, onProgress);
  };
}

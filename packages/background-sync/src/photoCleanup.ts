// Deletes local originals some days after they reached the server; the queue row stays (SYNCED,
// local_path NULL) so the app knows to show the uploaded copy.
import type { SyncDatabase } from './database';
import { absolutePhotoPath } from './photoFiles';
import { clearLocalPath, selectCleanable } from './photoQueueStore';
import type { FilesPort, Logger } from './ports';

const DAY_MS = 24 * 60 * 60_000;

export async function deleteSyncedOriginals(opts: {
  db: SyncDatabase;
  files: FilesPort;
  logger: Logger;
  documentsDir: string;
  now: number;
  afterDays: number;
  signal?: AbortSignal;
}): Promise<number> {
  const due = await selectCleanable(opts.db, opts.now - opts.afterDays * DAY_MS);
  let deleted = 0;
  for (const item of due) {
    if (opts.signal?.aborted) break;
    const path = absolutePhotoPath(opts.documentsDir, item.local_path!);
    try {
      if ((await opts.files.info(path)).exists) await opts.files.remove(path);
      await clearLocalPath(opts.db, item.id);
      deleted++;
    } catch (e) {
      opts.logger.warn('photo cleanup: could not delete a synced original', {
        photoId: item.id,
        error: String(e),
      });
    }
  }
  return deleted;
}

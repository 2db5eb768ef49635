// The photo queue (DESIGN "Photo queue"), its public face: photos wait in the local-only
// `photo_attachments` table and go to the media store batch-signed by our server, ≤
// uploadConcurrency at a time, streamed from disk by the uploadFile port. A pass is
// photoQueuePass.ts, its failures' fates failurePolicy.ts, its SQL photoQueueStore.ts. Everything
// is idempotent (deterministic public id signed with overwrite=false, the server asked first).
import { ApiClient } from './apiClient';
import type { SyncDatabase } from './database';
import { deleteSyncedOriginals } from './photoCleanup';
import { absolutePhotoPath, relativePhotoPath } from './photoFiles';
import {
  type PhotoQueueCounts,
  type PhotoQueueHooks,
  type PhotoQueuePorts,
  type PhotoQueueReport,
  QueuePass,
} from './photoQueuePass';
import {
  countByState,
  expediteQueued,
  getItem,
  insertQueuedPhoto,
  listPhotoItems,
  type PhotoAttachment,
  type PhotoState,
  requeueFailed,
} from './photoQueueStore';
import { type PhotoSettings, readMediaLimits, readPhotoSettings, writePhotoSettings } from './photoSettings';
import type { MediaLimits } from './photoSigner';
import type { RunBudget } from './runBudget';
import { DEFAULT_SETTINGS, type SyncSettings } from './settings';

export type { PhotoQueueCounts, PhotoQueueHooks, PhotoQueuePorts, PhotoQueueReport } from './photoQueuePass';

export interface EnqueuePhotoInput {
  /** A client-made uuid: the photo row's id and the queue item's id (kept in lower case). */
  photoId: string;
  /** Absolute path of the captured file; it is moved into the documents directory. */
  sourcePath: string;
  mediaType: string;
  scheduleId?: string | null;
  kind?: 'before' | 'after' | null;
  /** ISO-8601; defaults to now. */
  takenAt?: string;
  /** Left empty, the server fills in the token's organization. */
  orgId?: string | null;
  width?: number | null;
  height?: number | null;
}

export interface PhotoQueueOptions {
  db: SyncDatabase;
  ports: PhotoQueuePorts;
  settings?: Partial<SyncSettings>;
  hooks?: PhotoQueueHooks;
  /** Uniform in [0, 1) for the backoff jitter; injectable for tests. */
  random?: () => number;
}

export interface ProcessQueueOptions {
  /** The run's budget (deadline, caller, app turning active, safety margin, request timeouts). */
  budget: RunBudget;
  /** Overrides the queue's settings for this pass (a run passes its own). */
  settings?: SyncSettings;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// One pass per database at a time in this runtime. Hence an UPLOADING row seen at the start of a
// pass belongs to a run that died (process killed): it is due again.
const processing = new WeakSet<SyncDatabase>();

export class PhotoAttachmentQueue {
  private readonly db: SyncDatabase;
  private readonly ports: PhotoQueuePorts;
  private readonly settings: SyncSettings;
  private readonly api: ApiClient;
  private readonly hooks: PhotoQueueHooks;
  private readonly random: () => number;

  constructor(opts: PhotoQueueOptions) {
    this.db = opts.db;
    this.ports = opts.ports;
    this.settings = { ...DEFAULT_SETTINGS, ...opts.settings };
    this.api = new ApiClient(opts.ports);
    this.hooks = opts.hooks ?? {};
    this.random = opts.random ?? Math.random;
  }

  /**
   * Takes a captured photo: moves the file to `photos/<id>.<ext>` under the documents directory and
   * writes the `photos` row (synced) and the queue item in one transaction. On a database error
   * the file is moved back, so nothing is lost.
   */
  async enqueue(input: EnqueuePhotoInput): Promise<PhotoAttachment> {
    const { files, clock, documentsDir } = this.ports;
    if (!UUID.test(input.photoId)) throw new TypeError(`photoId must be a uuid, got "${input.photoId}"`);
    // Postgres answers uuids in lower case: the local row must carry the id the server will sync back.
    const photoId = input.photoId.toLowerCase();
    const relativePath = relativePhotoPath(photoId, input.mediaType);
    const source = await files.info(input.sourcePath);
    if (!source.exists) throw new Error(`photo file not found: ${input.sourcePath}`);
    if (await getItem(this.db, photoId)) throw new Error(`photo ${photoId} is already queued`);
    const target = absolutePhotoPath(documentsDir, relativePath);
    const moved = input.sourcePath !== target;
    if (moved) await files.move(input.sourcePath, target);
    const now = clock.now();
    try {
      await insertQueuedPhoto(
        this.db,
        {
          id: photoId,
          orgId: input.orgId ?? null,
          scheduleId: input.scheduleId ?? null,
          kind: input.kind ?? null,
          takenAt: input.takenAt ?? new Date(now).toISOString(),
          bytes: source.size,
          width: input.width ?? null,
          height: input.height ?? null,
        },
        { localPath: relativePath, mediaType: input.mediaType, now },
      );
    } catch (e) {
      if (moved) await files.move(target, input.sourcePath);
      throw e;
    }
    return (await getItem(this.db, photoId))!;
  }

  /** Uploads the due photos within the deadline; see DESIGN "Photo queue". */
  async processQueue(opts: ProcessQueueOptions): Promise<PhotoQueueReport> {
    const counts: PhotoQueueCounts = {
      due: 0,
      uploaded: 0,
      alreadyUploaded: 0,
      failed: 0,
      deferred: 0,
      bytes: 0,
      left: 0,
      discarded: 0,
    };
    if (processing.has(this.db))
      return { status: 'skipped', reason: 'the photo queue is already being processed', counts };
    processing.add(this.db);
    try {
      const photoSettings = await readPhotoSettings(this.db);
      if (photoSettings.wifiOnly && (await this.ports.connectivity.getState()).metered) {
        return {
          status: 'skipped',
          reason: 'photos upload on Wi-Fi only; the connection is metered',
          counts,
        };
      }
      const deps = { db: this.db, ports: this.ports, api: this.api, hooks: this.hooks, random: this.random };
      return await new QueuePass(deps, opts.budget, opts.settings ?? this.settings, counts).run();
    } finally {
      processing.delete(this.db);
    }
  }

  /** Sync screen "Retry": a FAILED photo starts over (attempts 0), a waiting one is due now. */
  async retry(photoId: string): Promise<boolean> {
    const now = this.ports.clock.now();
    if ((await requeueFailed(this.db, now, photoId)) > 0) return true;
    return expediteQueued(this.db, now, photoId);
  }

  /** Every FAILED photo starts over; returns how many. */
  retryAllFailed(): Promise<number> {
    return requeueFailed(this.db, this.ports.clock.now());
  }

  /** Deletes local originals synced at least `deleteOriginalsAfterDays` ago (if set); returns how many. */
  async cleanupOriginals(signal?: AbortSignal): Promise<number> {
    const { deleteOriginalsAfterDays } = await readPhotoSettings(this.db);
    if (deleteOriginalsAfterDays == null) return 0;
    return deleteSyncedOriginals({
      db: this.db,
      files: this.ports.files,
      logger: this.ports.logger,
      documentsDir: this.ports.documentsDir,
      now: this.ports.clock.now(),
      afterDays: deleteOriginalsAfterDays,
      ...(signal ? { signal } : {}),
    });
  }

  /** The media store's limits as the server last named them; null before the first signing. */
  mediaLimits(): Promise<MediaLimits | null> {
    return readMediaLimits(this.db);
  }

  getSettings(): Promise<PhotoSettings> {
    return readPhotoSettings(this.db);
  }

  updateSettings(change: Partial<PhotoSettings>): Promise<PhotoSettings> {
    return writePhotoSettings(this.db, change);
  }

  get(photoId: string): Promise<PhotoAttachment | null> {
    return getItem(this.db, photoId);
  }

  /** Items in the given states, oldest first (all when none given). */
  list(states?: PhotoState[]): Promise<PhotoAttachment[]> {
    return listPhotoItems(this.db, states);
  }

  stats(): Promise<Record<PhotoState, number>> {
    return countByState(this.db);
  }

  /** Absolute path of an item's local file (null once cleaned up). */
  localFile(item: Pick<PhotoAttachment, 'local_path'>): string | null {
    return item.local_path ? absolutePhotoPath(this.ports.documentsDir, item.local_path) : null;
  }
}

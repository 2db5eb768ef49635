// The photo queue (DESIGN "Photo queue"): photos wait in the local-only `photo_attachments` table
// and go to the media store batch-signed by our server, ≤ uploadConcurrency at a time, streamed
// from disk by the uploadFile port. Only item-specific failures count as attempts; everything is
// idempotent (deterministic public id signed with overwrite=false, the server asked first).
import pLimit from 'p-limit';
import { anySignal, type Deadline } from './abort';
import { ApiClient } from './apiClient';
import type { SyncDatabase } from './database';
import { deleteSyncedOriginals } from './photoCleanup';
import { absolutePhotoPath, relativePhotoPath } from './photoFiles';
import {
  countByState,
  type DueItem,
  deleteItem,
  expediteQueued,
  getItem,
  insertItem,
  markFailed,
  markQueued,
  markSynced,
  markUploading,
  type PhotoAttachment,
  type PhotoState,
  photoRowExists,
  requeueFailed,
  rowRejection,
  type SignedParams,
  saveSigned,
  selectDue,
  signedParamsOf,
} from './photoQueueStore';
import {
  type PhotoSettings,
  readMediaLimits,
  readPhotoSettings,
  writeMediaLimits,
  writePhotoSettings,
} from './photoSettings';
import { type MediaLimits, type SignOutcome, signPhotos } from './photoSigner';
import { uploadPhoto } from './photoUpload';
import type { Ports } from './ports';
import { backoffDelayMs } from './retryPolicy';
import type { StopCause } from './runPhase';
import { DEFAULT_SETTINGS, type SyncSettings } from './settings';
import { causeOfAbort, type Stop, worseStopCause } from './stopCause';

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

export interface PhotoQueueHooks {
  /** Test kill point: the media store answered success; the item is not `SYNCED` yet. */
  afterStoreSaved?: (photoId: string) => void | Promise<void>;
}

export type PhotoQueuePorts = Pick<
  Ports,
  'fetch' | 'uploadFile' | 'files' | 'clock' | 'connectivity' | 'auth' | 'logger' | 'documentsDir' | 'apiUrl'
>;

export interface PhotoQueueOptions {
  db: SyncDatabase;
  ports: PhotoQueuePorts;
  settings?: Partial<SyncSettings>;
  hooks?: PhotoQueueHooks;
  /** Uniform in [0, 1) for the backoff jitter; injectable for tests. */
  random?: () => number;
}

export interface ProcessQueueOptions {
  deadline: Deadline;
  /** The run's signal (deadline, caller, app turning active). */
  signal?: AbortSignal;
  /** Overrides the queue's settings for this pass (a run passes its own). */
  settings?: SyncSettings;
}

export interface PhotoQueueCounts {
  /** Items due at the start of the pass. */
  due: number;
  uploaded: number;
  /** The server or the store already had the photo: SYNCED without new bytes stored. */
  alreadyUploaded: number;
  failed: number;
  /** Put back for later: backoff after an item-specific failure, or a photo the server does not know yet. */
  deferred: number;
  /** Bytes of the files stored by this pass. */
  bytes: number;
  /** Due items this pass did not finish (deadline, stop, network trouble). */
  left: number;
  /** Taken off the queue with their files: their photo row was deleted (and not rejected). */
  discarded: number;
}

export interface PhotoQueueReport {
  /** done: every due item settled; stopped: see stopCause; skipped: see reason. */
  status: 'done' | 'stopped' | 'skipped';
  stopCause?: StopCause;
  reason?: string;
  counts: PhotoQueueCounts;
}

/** Tries of one item within a pass when the network drops it (each never an attempt). */
const TRANSIENT_TRIES_PER_PASS = 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// One pass per database at a time in this runtime. Hence an UPLOADING row seen at the start of a
// pass belongs to a run that died (process killed): it is due again.
const processing = new WeakSet<SyncDatabase>();

interface PassDeps {
  db: SyncDatabase;
  ports: PhotoQueuePorts;
  api: ApiClient;
  hooks: PhotoQueueHooks;
  random: () => number;
}

interface Work {
  item: DueItem;
  signed: SignedParams | null;
  tries: number;
  /** The store answered "already there" without a confirmation: the server asks the store. */
  confirmExisting: boolean;
}

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
      await this.db.writeTransaction(async (tx) => {
        await tx.execute(
          `INSERT INTO photos (id, org_id, schedule_id, kind, taken_at, bytes, width, height)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            photoId,
            input.orgId ?? null,
            input.scheduleId ?? null,
            input.kind ?? null,
            input.takenAt ?? new Date(now).toISOString(),
            source.size,
            input.width ?? null,
            input.height ?? null,
          ],
        );
        await insertItem(tx, {
          id: photoId,
          localPath: relativePath,
          mediaType: input.mediaType,
          size: source.size,
          now,
        });
      });
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
    const linked = anySignal([opts.signal, opts.deadline.signal]);
    try {
      const photoSettings = await readPhotoSettings(this.db);
      if (photoSettings.wifiOnly && (await this.ports.connectivity.getState()).metered) {
        return {
          status: 'skipped',
          reason: 'photos upload on Wi-Fi only; the connection is metered',
          counts,
        };
      }
      const deps: PassDeps = {
        db: this.db,
        ports: this.ports,
        api: this.api,
        hooks: this.hooks,
        random: this.random,
      };
      return await new QueuePass(
        deps,
        opts.deadline,
        linked.signal,
        opts.settings ?? this.settings,
        counts,
      ).run();
    } finally {
      linked.dispose();
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
    const where = states?.length ? `WHERE state IN (${states.map(() => '?').join(', ')})` : '';
    return this.db.getAll<PhotoAttachment>(
      `SELECT * FROM photo_attachments ${where} ORDER BY created_at, id`,
      states ?? [],
    );
  }

  stats(): Promise<Record<PhotoState, number>> {
    return countByState(this.db);
  }

  /** Absolute path of an item's local file (null once cleaned up). */
  localFile(item: Pick<PhotoAttachment, 'local_path'>): string | null {
    return item.local_path ? absolutePhotoPath(this.ports.documentsDir, item.local_path) : null;
  }
}

/** One processQueue pass: sign in batches, upload through a concurrency limit, settle each item. */
class QueuePass {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly tasks = new Set<Promise<void>>();
  private readonly open = new Set<string>();
  private stop: Stop | undefined;
  /** The media store's limits, from the latest signing answer that named them. */
  private limits: MediaLimits | null = null;
  private consecutiveTransient = 0;
  private taskEnded: (() => void) | undefined;
  /** A bug or a database error in one upload's bookkeeping: no new uploads, rethrown at the end. */
  private unexpected: { error: unknown } | undefined;

  constructor(
    private readonly deps: PassDeps,
    private readonly deadline: Deadline,
    private readonly signal: AbortSignal,
    private readonly settings: SyncSettings,
    private readonly counts: PhotoQueueCounts,
  ) {
    this.limit = pLimit(settings.uploadConcurrency);
  }

  async run(): Promise<PhotoQueueReport> {
    const { db, ports } = this.deps;
    const due = await selectDue(db, ports.clock.now());
    this.counts.due = due.length;
    const work: Work[] = [];
    for (const item of due) {
      this.open.add(item.id);
      // A dead run's UPLOADING item may have reached the store: ask the server again before sending bytes.
      const w: Work = {
        item,
        signed: item.state === 'UPLOADING' ? null : signedParamsOf(item),
        tries: 0,
        confirmExisting: false,
      };
      if (!item.has_row) {
        await this.rowGone(w);
        continue;
      }
      if (await this.fileIsMissing(w)) continue;
      work.push(w);
    }
    for (let i = 0; i < work.length && !this.stopped(); i += this.settings.signBatchSize) {
      // Sign the next batch only when the uploads already queued no longer fill the pipeline.
      while (this.limit.pendingCount >= this.settings.uploadConcurrency) await this.nextTaskEnd();
      if (this.stopped()) break;
      const batch = work.slice(i, i + this.settings.signBatchSize);
      await this.sign(batch.filter((w) => this.needsSigning(w)));
      for (const w of batch) if (w.signed && this.open.has(w.item.id)) this.schedule(w);
    }
    // Every upload settles before the pass returns, even when one of them failed unexpectedly.
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    if (this.unexpected) throw this.unexpected.error;
    return this.report();
  }

  private schedule(w: Work): void {
    const task: Promise<void> = this.limit(() => this.uploadOne(w))
      .catch((error: unknown) => {
        this.unexpected ??= { error };
      })
      .finally(() => {
        this.tasks.delete(task);
        this.taskEnded?.();
      });
    this.tasks.add(task);
  }

  private nextTaskEnd(): Promise<void> {
    return new Promise((resolve) => {
      this.taskEnded = resolve;
    });
  }

  /** No new unit of work: stopped, aborted, or inside the safety margin. */
  private stopped(): boolean {
    if (this.stop || this.unexpected) return true;
    if (this.signal.aborted) {
      this.setStop({ cause: causeOfAbort(this.signal.reason), reason: 'the run was aborted' });
      return true;
    }
    if (!this.deadline.canStart()) {
      this.setStop({ cause: 'deadline', reason: 'the safety margin before the deadline was reached' });
      return true;
    }
    return false;
  }

  private setStop(stop: Stop): void {
    if (!this.stop || worseStopCause(this.stop.cause, stop.cause) !== this.stop.cause) this.stop = stop;
  }

  private needsSigning(w: Work): boolean {
    return !w.signed || this.deps.ports.clock.now() - w.signed.signedAt >= this.settings.resignAfterMs;
  }

  private async sign(batch: Work[]): Promise<void> {
    if (batch.length === 0 || this.stopped()) return;
    const { db, ports, api } = this.deps;
    const outcome: SignOutcome = await signPhotos(
      api,
      batch.map((w) => w.item.id),
      {
        signal: this.signal,
        timeoutMs: this.deadline.requestTimeoutMs(this.settings.requestTimeoutMs),
        connectivity: ports.connectivity,
        confirmExisting: batch.some((w) => w.confirmExisting),
      },
    );
    if (!outcome.ok) {
      this.setStop(outcome.stop);
      return;
    }
    if (outcome.limits && !sameLimits(outcome.limits, this.limits)) {
      this.limits = outcome.limits;
      await writeMediaLimits(db, outcome.limits);
    }
    for (const w of batch) w.confirmExisting = false;
    const byId = new Map(batch.map((w) => [w.item.id, w]));
    const signedAt = ports.clock.now();
    for (const u of outcome.uploads) {
      const w = byId.get(u.photoId)!;
      w.signed = { url: u.url, fields: u.fields, signedAt };
      await saveSigned(db, w.item.id, w.signed);
    }
    for (const r of outcome.rejected) {
      const w = byId.get(r.photoId)!;
      w.signed = null;
      if (r.code === 'already_uploaded') {
        await markSynced(db, w.item.id, ports.clock.now(), null);
        this.settle(w, 'alreadyUploaded');
      } else if (r.code === 'unknown_photo') {
        // Signing waits until no change to the row is pending, so the server has had the row: it
        // rejected it (FAILED at once, with its reason) or it was deleted there since (an attempt,
        // so the photo cannot stay queued for ever).
        const rejection = await rowRejection(db, w.item.id);
        if (rejection) await this.failAtOnce(w, rejectedRowReason(rejection));
        else await this.itemFailed(w, 'the server does not know this photo: its row was rejected or deleted');
      } else {
        await this.itemFailed(w, `the server refused to sign this photo: ${r.code}`);
      }
    }
  }

  private async uploadOne(w: Work): Promise<void> {
    const { db, ports, hooks } = this.deps;
    if (this.stopped()) return;
    // Deleted since the pass began (the app's delete, or a download): never send it.
    if (!(await photoRowExists(db, w.item.id))) return this.rowGone(w);
    if (this.needsSigning(w)) {
      await this.sign([w]);
      if (!w.signed || this.stopped()) return;
    }
    const overLimit = this.overLimit(w.item);
    if (overLimit) return this.failAtOnce(w, overLimit);
    const signed = w.signed!;
    w.tries++;
    await markUploading(db, w.item.id, ports.clock.now());
    const outcome = await uploadPhoto({
      uploadFile: ports.uploadFile,
      path: absolutePhotoPath(ports.documentsDir, w.item.local_path!),
      url: signed.url,
      fields: signed.fields,
      signal: this.signal,
      stallMs: this.settings.uploadStallMs,
      drainFloorBytesPerSec: this.settings.uploadDrainFloorBytesPerSec,
    });
    switch (outcome.kind) {
      case 'stored':
        this.consecutiveTransient = 0;
        await hooks.afterStoreSaved?.(w.item.id);
        await markSynced(db, w.item.id, ports.clock.now(), outcome.confirmation);
        if (outcome.existing) this.settle(w, 'alreadyUploaded');
        else {
          this.counts.bytes += w.item.size;
          this.settle(w, 'uploaded');
        }
        return;
      case 'refused':
        this.consecutiveTransient = 0;
        return this.itemFailed(w, outcome.reason);
      case 'refusedForGood':
        this.consecutiveTransient = 0;
        return this.failAtOnce(w, outcome.reason);
      case 'rateLimited':
        // Cloudinary's rate limit holds for the account, not this photo: no more uploads this run.
        await markQueued(db, w.item.id, {
          dueAt: ports.clock.now(),
          lastError: outcome.reason,
          dropSigned: false,
        });
        this.setStop({ cause: 'server_unavailable', reason: outcome.reason });
        return;
      case 'stale':
        w.signed = null;
        await markQueued(db, w.item.id, {
          dueAt: ports.clock.now(),
          lastError: outcome.reason,
          dropSigned: true,
        });
        return this.tryAgain(w);
      case 'unconfirmed':
        w.signed = null;
        w.confirmExisting = true;
        await markQueued(db, w.item.id, {
          dueAt: ports.clock.now(),
          lastError: outcome.reason,
          dropSigned: true,
        });
        return this.tryAgain(w);
      case 'unreadable':
        if (outcome.missing) return this.failAtOnce(w, `local file missing: ${w.item.local_path}`);
        return this.itemFailed(w, `local file unreadable: ${outcome.reason}`);
      case 'aborted':
        await markQueued(db, w.item.id, { dueAt: ports.clock.now(), lastError: null, dropSigned: false });
        this.setStop({ cause: causeOfAbort(outcome.reason), reason: outcome.reason.message });
        return;
      case 'transient':
        await markQueued(db, w.item.id, {
          dueAt: ports.clock.now(),
          lastError: outcome.reason,
          dropSigned: false,
        });
        return this.transientFailure(w, outcome.reason);
    }
  }

  /** Once more in this pass (signed afresh when the signature was dropped), a few times at most. */
  private tryAgain(w: Work): void {
    if (w.tries < TRANSIENT_TRIES_PER_PASS) this.schedule(w);
  }

  /** Why the item must not be sent, when the server named limits it is over; else null. */
  private overLimit(item: DueItem): string | null {
    const limits = this.limits;
    if (!limits) return null;
    if (item.size > limits.maxBytes) {
      return `the photo is ${item.size} bytes; the media store takes at most ${limits.maxBytes}`;
    }
    const pixels = (item.width ?? 0) * (item.height ?? 0);
    if (pixels > limits.maxPixels) {
      return `the photo is ${item.width}x${item.height} (${pixels} pixels); the media store takes at most ${limits.maxPixels}`;
    }
    return null;
  }

  /**
   * The photo's local row is gone. Rejected by the server (then removed by a download): FAILED with
   * the rejection. Deleted: there is nothing to upload it for — off the queue, file removed.
   */
  private async rowGone(w: Work): Promise<void> {
    const { db, ports } = this.deps;
    const rejection = await rowRejection(db, w.item.id);
    if (rejection) return this.failAtOnce(w, rejectedRowReason(rejection));
    if (w.item.local_path) {
      await ports.files
        .remove(absolutePhotoPath(ports.documentsDir, w.item.local_path))
        .catch((error: unknown) => {
          ports.logger.warn('photo file not removed', { photoId: w.item.id, error: String(error) });
        });
    }
    await deleteItem(db, w.item.id);
    ports.logger.info('photo discarded: its row was deleted', { photoId: w.item.id });
    this.settle(w, 'discarded');
  }

  private async transientFailure(w: Work, reason: string): Promise<void> {
    const { ports } = this.deps;
    ports.logger.warn('photo upload interrupted', { photoId: w.item.id, reason });
    this.consecutiveTransient++;
    if (!(await ports.connectivity.getState()).online) {
      this.setStop({ cause: 'offline', reason });
    } else if (this.consecutiveTransient >= this.settings.uploadConcurrency) {
      this.setStop({
        cause: 'server_unavailable',
        reason: `${this.consecutiveTransient} uploads in a row failed: ${reason}`,
      });
    } else if (w.tries < TRANSIENT_TRIES_PER_PASS) {
      this.schedule(w);
    }
  }

  /** An item-specific failure: one attempt; FAILED at maxItemAttempts, else backoff with full jitter. */
  private async itemFailed(w: Work, reason: string): Promise<void> {
    const { db, ports } = this.deps;
    const attempts = w.item.attempts + 1;
    if (attempts >= this.settings.maxItemAttempts) {
      await markFailed(db, w.item.id, attempts, reason);
      ports.logger.warn('photo failed', { photoId: w.item.id, attempts, reason });
      this.settle(w, 'failed');
      return;
    }
    const dueAt = ports.clock.now() + backoffDelayMs(attempts, this.backoff());
    await markQueued(db, w.item.id, { dueAt, attempts, lastError: reason, dropSigned: true });
    this.settle(w, 'deferred');
  }

  private async failAtOnce(w: Work, reason: string): Promise<void> {
    await markFailed(this.deps.db, w.item.id, w.item.attempts, reason);
    this.deps.ports.logger.warn('photo failed', { photoId: w.item.id, reason });
    this.settle(w, 'failed');
  }

  private async fileIsMissing(w: Work): Promise<boolean> {
    const { ports } = this.deps;
    const path = w.item.local_path;
    if (path && (await ports.files.info(absolutePhotoPath(ports.documentsDir, path))).exists) return false;
    await this.failAtOnce(
      w,
      path ? `local file missing: ${path}` : 'local file missing (deleted from the device)',
    );
    return true;
  }

  private settle(w: Work, as: 'uploaded' | 'alreadyUploaded' | 'failed' | 'deferred' | 'discarded'): void {
    this.open.delete(w.item.id);
    this.counts[as]++;
  }

  private backoff() {
    return { baseMs: this.settings.retryBaseMs, capMs: this.settings.retryCapMs, random: this.deps.random };
  }

  private report(): PhotoQueueReport {
    this.counts.left = this.open.size;
    if (this.counts.left > 0 && !this.stop) {
      this.stop = { cause: 'server_unavailable', reason: `${this.counts.left} uploads did not get through` };
    }
    if (
      this.stop &&
      this.counts.left === 0 &&
      (this.stop.cause === 'deadline' || this.stop.cause === 'aborted')
    ) {
      // Time ran out only after the last item settled: nothing was left undone.
      return { status: 'done', counts: this.counts };
    }
    return this.stop
      ? { status: 'stopped', stopCause: this.stop.cause, reason: this.stop.reason, counts: this.counts }
      : { status: 'done', counts: this.counts };
  }
}

function rejectedRowReason(rejection: { code: string; message: string | null }): string {
  return `the server rejected this photo's row: ${rejection.code}${rejection.message ? ` (${rejection.message})` : ''}`;
}

function sameLimits(a: MediaLimits, b: MediaLimits | null): boolean {
  return b !== null && a.maxBytes === b.maxBytes && a.maxPixels === b.maxPixels;
}

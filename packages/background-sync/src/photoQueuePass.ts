// One pass of the photo queue (DESIGN "Photo queue"): take the due items, sign them in batches,
// upload through the concurrency limit, settle each item. What a failure means — stop, try again,
// an attempt, FAILED — is failurePolicy.ts's; the SQL is photoQueueStore.ts's.
import type { ApiClient } from './apiClient';
import type { SyncDatabase } from './database';
import {
  classify,
  type Failure,
  nextAttempt,
  rejectedRowReason,
  type Stop,
  TRIES_PER_PASS,
  type Verdict,
  worseStopCause,
} from './failurePolicy';
import { absolutePhotoPath } from './photoFiles';
import {
  type DueItem,
  deleteItem,
  markFailed,
  markQueued,
  markSynced,
  markUploading,
  photoRowExists,
  rowRejection,
  type SignedParams,
  saveSigned,
  selectDue,
  signedParamsOf,
} from './photoQueueStore';
import { writeMediaLimits } from './photoSettings';
import { type MediaLimits, signPhotos } from './photoSigner';
import type { Ports } from './ports';
import { bytesBeforeConfirmation, uploadResumable } from './resumableUpload';
import { type RunBudget, stopOfAbort } from './runBudget';
import type { StopCause } from './runPhase';
import type { SyncSettings } from './settings';
import { NOT_STARTED, UploadScheduler } from './uploadScheduler';

export interface PhotoQueueHooks {
  /** Test kill point: the media store answered success; the item is not `SYNCED` yet. */
  afterStoreSaved?: (photoId: string) => void | Promise<void>;
}

export type PhotoQueuePorts = Pick<
  Ports,
  'fetch' | 'uploadFile' | 'files' | 'clock' | 'connectivity' | 'auth' | 'logger' | 'documentsDir' | 'apiUrl'
>;

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

export interface PassDeps {
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

/** One processQueue pass: sign in batches, upload as the upload scheduler picks, settle each item. */
export class QueuePass {
  /**
   * Which upload starts next and how many run at once: the one place the pass's concurrency is
   * decided (the scheduler queues the rest; signing keeps just ahead of it).
   */
  private readonly uploads: UploadScheduler;
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
    private readonly budget: RunBudget,
    private readonly settings: SyncSettings,
    private readonly counts: PhotoQueueCounts,
  ) {
    this.uploads = new UploadScheduler({
      maxInFlight: settings.uploadConcurrency,
      initialInFlight: settings.uploadStartConcurrency,
      now: () => deps.ports.clock.now(),
      remainingMs: () => budget.remainingMs(),
    });
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
      while (this.uploads.pendingCount >= this.settings.uploadConcurrency) await this.nextTaskEnd();
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
    const task: Promise<void> = this.uploads
      .run(
        bytesBeforeConfirmation(w.item.size, this.settings.uploadChunkBytes, this.deps.ports.uploadFile),
        (confirm) => this.uploadOne(w, confirm),
      )
      .then((started) => {
        if (started === NOT_STARTED)
          this.setStop({ cause: 'deadline', reason: 'the budget left cannot carry the next upload' });
      })
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
    const aborted = this.budget.stop();
    if (aborted) {
      this.setStop(aborted);
      return true;
    }
    if (!this.budget.canStart()) {
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
    const outcome = await signPhotos(
      api,
      batch.map((w) => w.item.id),
      {
        budget: this.budget,
        timeoutMs: this.budget.requestTimeoutMs(this.settings.requestTimeoutMs),
        confirmExisting: batch.some((w) => w.confirmExisting),
      },
    );
    if (!outcome.ok) {
      this.setStop((await classify(outcome.failure, ports.connectivity)).stop);
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
        continue;
      }
      const rejection = r.code === 'unknown_photo' ? await rowRejection(db, w.item.id) : null;
      await this.failed(w, { kind: 'signRejected', code: r.code, rowRejection: rejection });
    }
  }

  private async uploadOne(w: Work, confirm: (bytes: number) => void): Promise<void> {
    const { db, ports, hooks } = this.deps;
    if (this.stopped()) return;
    // Deleted since the pass began (the app's delete, or a download): never send it.
    if (!(await photoRowExists(db, w.item.id))) return this.rowGone(w);
    if (this.needsSigning(w)) {
      await this.sign([w]);
      if (!w.signed || this.stopped()) return;
    }
    const overLimit = this.overLimit(w.item);
    if (overLimit) return this.failed(w, { kind: 'overLimit', message: overLimit });
    const signed = w.signed!;
    w.tries++;
    await markUploading(db, w.item.id, ports.clock.now());
    const outcome = await uploadResumable({
      db,
      clock: ports.clock,
      uploadFile: ports.uploadFile,
      photoId: w.item.id,
      size: w.item.size,
      chunkBytes: this.settings.uploadChunkBytes,
      onConfirmed: confirm,
      path: absolutePhotoPath(ports.documentsDir, w.item.local_path!),
      url: signed.url,
      fields: signed.fields,
      budget: this.budget,
      stallMs: this.settings.uploadStallMs,
      drainFloorBytesPerSec: this.settings.uploadDrainFloorBytesPerSec,
    });
    if (outcome.kind === 'stored') {
      this.consecutiveTransient = 0;
      await hooks.afterStoreSaved?.(w.item.id);
      await markSynced(db, w.item.id, ports.clock.now(), outcome.confirmation);
      if (outcome.existing) this.settle(w, 'alreadyUploaded');
      else {
        this.counts.bytes += w.item.size;
        this.settle(w, 'uploaded');
      }
      return;
    }
    if (outcome.kind === 'aborted') {
      await markQueued(db, w.item.id, { dueAt: ports.clock.now(), lastError: null, dropSigned: false });
      this.setStop(stopOfAbort(outcome.reason));
      return;
    }
    const { failure } = outcome;
    if (failure.kind === 'storeRefused') this.consecutiveTransient = 0;
    // A missing file is named by its path under the documents directory.
    await this.failed(
      w,
      failure.kind === 'unreadable' && failure.missing
        ? { ...failure, message: w.item.local_path ?? '' }
        : failure,
    );
  }

  /** Settles an item after a failure, as the failure policy decides. */
  private async failed(w: Work, failure: Failure): Promise<void> {
    const { db, ports } = this.deps;
    const verdict: Verdict = await classify(failure, ports.connectivity);
    const now = ports.clock.now();
    switch (verdict.fate) {
      case 'stop':
        // The item back in the queue as it was; the run's trouble ends the pass.
        await markQueued(db, w.item.id, { dueAt: now, lastError: verdict.stop.reason, dropSigned: false });
        this.setStop(verdict.stop);
        return;
      case 'resign':
        w.signed = null;
        w.confirmExisting = verdict.confirmExisting;
        await markQueued(db, w.item.id, { dueAt: now, lastError: verdict.reason, dropSigned: true });
        if (w.tries < TRIES_PER_PASS) this.schedule(w);
        return;
      case 'transient':
        await markQueued(db, w.item.id, { dueAt: now, lastError: verdict.reason, dropSigned: false });
        return this.transientFailure(w, verdict.reason);
      case 'attempt':
      case 'fail':
        return this.charge(w, verdict);
    }
  }

  /** An item-specific failure: FAILED, or due again after a backoff (failurePolicy.nextAttempt). */
  private async charge(w: Work, verdict: { fate: 'attempt' | 'fail'; reason: string }): Promise<void> {
    const { db, ports } = this.deps;
    const next = nextAttempt(
      w.item,
      verdict,
      {
        maxItemAttempts: this.settings.maxItemAttempts,
        retryBaseMs: this.settings.retryBaseMs,
        retryCapMs: this.settings.retryCapMs,
        random: this.deps.random,
      },
      ports.clock.now(),
    );
    if (next.state === 'FAILED') {
      await markFailed(db, w.item.id, next.attempts, next.reason);
      ports.logger.warn('photo failed', { photoId: w.item.id, attempts: next.attempts, reason: next.reason });
      this.settle(w, 'failed');
      return;
    }
    await markQueued(db, w.item.id, {
      dueAt: next.dueAt,
      attempts: next.attempts,
      lastError: next.reason,
      dropSigned: true,
    });
    this.settle(w, 'deferred');
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
    if (rejection) return this.charge(w, { fate: 'fail', reason: rejectedRowReason(rejection) });
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
    } else if (w.tries < TRIES_PER_PASS) {
      this.schedule(w);
    }
  }

  private async fileIsMissing(w: Work): Promise<boolean> {
    const { ports } = this.deps;
    const path = w.item.local_path;
    if (path && (await ports.files.info(absolutePhotoPath(ports.documentsDir, path))).exists) return false;
    await this.failed(w, { kind: 'unreadable', missing: true, message: path ?? '' });
    return true;
  }

  private settle(w: Work, as: 'uploaded' | 'alreadyUploaded' | 'failed' | 'deferred' | 'discarded'): void {
    this.open.delete(w.item.id);
    this.counts[as]++;
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

function sameLimits(a: MediaLimits, b: MediaLimits | null): boolean {
  return b !== null && a.maxBytes === b.maxBytes && a.maxPixels === b.maxPixels;
}

// The numbers of DESIGN.md ("Numbers"), in one place; tests may pass smaller ones.

export const BUDGET_MS = {
  android: 8 * 60_000,
  ios: 3 * 60_000,
  resume: 60_000,
  manual: 120_000,
} as const;

export interface SyncSettings {
  /** No new unit of work starts inside this margin before the deadline. */
  safetyMarginMs: number;
  /** Upper bound of any single request. */
  requestTimeoutMs: number;
  /** An upload with no byte progress for this long is abandoned. */
  uploadStallMs: number;
  /** After an upload's body is handed over, its answer may take uploadStallMs + size at this rate. */
  uploadDrainFloorBytesPerSec: number;
  crudMaxOps: number;
  crudMaxBytes: number;
  /**
   * The server's request body limit (its 413 names it as `maxBytes`): a request over it that fails
   * on the network was most likely cut off by the server for its size, so it is halved, not retried.
   */
  crudServerMaxBytes: number;
  signBatchSize: number;
  /** Most uploads in flight (the scheduler keeps fewer when the link needs fewer). */
  uploadConcurrency: number;
  /** Uploads in flight before the scheduler has measured anything (it then finds its own level). */
  uploadStartConcurrency: number;
  /**
   * Photos larger than this go in chunks of this size, each confirmed and saved, so the next run
   * continues a photo the budget cut off (when the platform's upload port can send a part of a file).
   */
  uploadChunkBytes: number;
  retryBaseMs: number;
  retryCapMs: number;
  maxItemAttempts: number;
  runLogKeep: number;
  /** Signed upload parameters older than this are signed again (Cloudinary refuses them after 1 h). */
  resignAfterMs: number;
  /** The download phase needs at least this much time left. */
  downloadMinRemainingMs: number;
  downloadMaxWaitMs: number;
  /** How long a disconnect may take before the controller gives up waiting. */
  disconnectTimeoutMs: number;
}

export const DEFAULT_SETTINGS: SyncSettings = {
  safetyMarginMs: 15_000,
  requestTimeoutMs: 30_000,
  uploadStallMs: 30_000,
  // 64 kbit/s per upload: 10 uploads in flight on a 1 Mbit/s link still get their answers.
  uploadDrainFloorBytesPerSec: 8_192,
  crudMaxOps: 1_000,
  crudMaxBytes: 1024 * 1024,
  crudServerMaxBytes: 4 * 1024 * 1024,
  signBatchSize: 50,
  uploadConcurrency: 10,
  uploadStartConcurrency: 2,
  // Cloudinary refuses chunks (but the last) under 5 MB.
  uploadChunkBytes: 6_000_000,
  retryBaseMs: 30_000,
  retryCapMs: 60 * 60_000,
  maxItemAttempts: 5,
  runLogKeep: 200,
  resignAfterMs: 50 * 60_000,
  downloadMinRemainingMs: 10_000,
  downloadMaxWaitMs: 60_000,
  disconnectTimeoutMs: 5_000,
};

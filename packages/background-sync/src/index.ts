// biome-ignore-all assist/source/organizeImports: the public API is grouped by purpose, not sorted by path
// The engine's public API. Platforms (apps/mobile, the simulator, the bench) import only from here,
// `@vhd/background-sync/node` and `@vhd/background-sync/testing`; the engine's own tests may import
// its modules directly.

// The composition root: one engine per database, wired from the platform's ports and settings.
export {
  createSyncEngine,
  type EngineParts,
  type RunPhases,
  type SyncEngine,
  type SyncEngineOptions,
} from './syncEngine';
export { BUDGET_MS, DEFAULT_SETTINGS, type SyncSettings } from './settings';

// Ports: what each platform supplies (Node: `@vhd/background-sync/node`; Expo: the app's ports folder).
export type {
  Clock,
  Connectivity,
  ConnectivityState,
  FetchPort,
  FileInfo,
  FilesPort,
  Logger,
  Ports,
  TokenProvider,
  UploadFilePort,
  UploadFileResult,
} from './ports';
export type { BackgroundCapability, DevicePort } from './backgroundCapability';
export { AbortError, abortReason, sleep } from './abort';

// The database: the narrow interface both PowerSync SDKs satisfy, and the schema built with either.
export type { CrudEntryLike, CrudTransactionLike, SyncDatabase, SyncStatusLike } from './database';
export {
  createAppSchema,
  LOCAL_TABLES,
  type PowerSyncSchemaKit,
  SYNCED_TABLES,
  type SyncedTableName,
} from './schema';

// One background run: its request, budget, phases and report.
export type { RunRequest } from './runBackgroundSync';
export { RunBudget, type RunBudgetOptions } from './runBudget';
export type { PhaseResult, RunContext, RunOutcome, RunPhase, RunTrigger, StopCause } from './runPhase';
export type { PhaseName, PhaseReport, RunReport } from './runReport';

// The app's lifecycle, shared by apps/mobile and the simulator: session → system, AppState, the OS task.
export { createSystemOwner, type SystemOwner, type SystemOwnerDeps } from './systemOwner';
export {
  type AppLifecycle,
  type AppLifecycleDeps,
  type AppStateName,
  type BackgroundPolicy,
  createAppLifecycle,
  SHORT_SPELL_MS,
} from './appLifecycle';
export {
  type BackgroundTaskDeps,
  runBackgroundTask,
  type TaskOutcome,
  type TaskResult,
  type TaskSession,
} from './backgroundTask';

// Parts createSyncEngine builds, reached through the engine (`engine.queue`, `engine.connector`, …).
export { ApiClient, type ApiFailure, type ApiResult } from './apiClient';
export { BackendConnector } from './backendConnector';
export { CrudUploader, type CrudUploadResult, UPLOAD_PATH, type UploadAnswer } from './crudUploader';
export {
  type EnqueuePhotoInput,
  PhotoAttachmentQueue,
  type PhotoQueueCounts,
  type PhotoQueueReport,
} from './photoQueue';
export type { SyncController } from './syncController';

// The photo queue's table, read through its store (the app's job screen, the simulator's snapshot;
// markSynced for the simulator's deliberately broken engine).
export {
  listPhotoItems,
  markSynced,
  type PhotoAttachment,
  type PhotoState,
  type SchedulePhotoRow,
  schedulePhotosQuery,
} from './photoQueueStore';

// What the Sync screen (and the simulator's consistency check) reads and does.
export { type FailedPhoto, listRejections, type RejectionSummary, type SyncOverview } from './syncOverview';
export type { RunState, RunSummary } from './runLog';
export { type ChangeIssue, getSyncIssues, type PhotoIssue, type SyncIssues } from './syncIssues';
export { dismissRejection, type RetryResult, retryRejection } from './rejectionRetry';
export type { PhotoSettings } from './photoSettings';
export type { MediaLimits } from './photoSigner';

// Timestamps as instants (a phone's ISO text and the service's Postgres text alike).
export { byInstant, instantOf, sameInstant } from './timestamps';

// The upload wire format, for the bench's baseline uploader.
export { toUploadOp, type UploadOp, utf8Length } from './crudPayload';

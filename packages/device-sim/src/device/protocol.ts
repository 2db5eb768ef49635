// The IPC contract between a SimulatedDevice (parent) and its device child process (the app).
// The parent sends commands and gets one result per command; the child also sends events: the
// OS calls the app makes (register/unregister the background task) and the runs it starts and ends.

import type {
  FailedPhoto,
  RejectionSummary,
  RunReport,
  RunTrigger,
  SyncSettings,
} from '@vhd/background-sync';
import type { LogLevel } from '@vhd/background-sync/node';

/** A deliberately broken engine, for proving that the trials catch such bugs. */
export type BrokenEngine =
  /** Completes each CRUD batch locally before the request is sent (ops vanish if it fails). */
  | 'crud-complete-before-answer'
  /** Marks a photo SYNCED as its upload starts, before the store saved it. */
  | 'photo-synced-before-store';

/** Where the child kills itself (SIGKILL), counted from when it was armed. */
export type KillPoint =
  /** The server answered (and committed) a CRUD request; nothing completed locally yet. */
  | 'afterServerApplied'
  /** The media store saved a photo; the item is not SYNCED yet. */
  | 'afterStoreSaved'
  /** A photo upload has sent about half of its bytes. */
  | 'midPhotoUpload';

export interface DeviceChildConfig {
  name: string;
  userId: string;
  orgId: string;
  platform: 'ios' | 'android';
  /** The device's link emulator: the server and the PowerSync service both lie behind it. */
  apiUrl: string;
  /**
   * Origins of absolute URLs the backend hands out (the server's public URL in signed upload URLs,
   * the PowerSync endpoint): the device reaches them through its link, like any other host.
   */
  backendOrigins: string[];
  /** The app's documents directory; the database file is `vhd-<userId>.db` in it. */
  documentsDir: string;
  /** Camera roll folder (photos taken but not yet handed to the queue). */
  cameraDir: string;
  /** How the app starts: a cold background launch (by the OS) or opened by the user. */
  appState: 'active' | 'background';
  /** The network at launch (the OS's word; the link emulator does the rest). */
  online: boolean;
  settings?: Partial<SyncSettings>;
  /** SDK connect options (retryDelayMs, crudUploadThrottleMs). */
  connectOptions?: Record<string, unknown>;
  /** Lifetime of the dev-auth session tokens the child asks for (default: the server's, ~60 s). */
  tokenTtlSec?: number;
  /**
   * Keep using a cached token past its expiry until the server refuses it (a stale token cache):
   * exercises the 401 → one fresh token path.
   */
  staleTokens?: boolean;
  broken?: BrokenEngine;
  logLevel?: LogLevel;
  /**
   * The app lifecycle's short-spell grace (real ms in the child): a background spell shorter than
   * this changes nothing. Default 0: the release happens at once (the simulated clock and the
   * child's wall clock run at different speeds).
   */
  shortSpellMs?: number;
}

export type LocalWrite =
  | { op: 'insert'; table: string; id: string; values: Record<string, unknown> }
  | { op: 'update'; table: string; id: string; values: Record<string, unknown> }
  | { op: 'delete'; table: string; id: string };

export interface PhotoSpec {
  /** File name in the camera roll, e.g. `IMG_0001.jpg`. */
  file: string;
  seed: number;
  targetBytes: number;
}

export interface TakePhoto {
  photoId: string;
  file: string;
  scheduleId: string | null;
  kind: 'before' | 'after' | null;
}

export type DeviceCommand =
  | { type: 'prepareCameraRoll'; photos: PhotoSpec[] }
  /** One local write transaction; the result says which changes touched an existing row. */
  | { type: 'write'; changes: LocalWrite[] }
  | { type: 'takePhoto'; photo: TakePhoto }
  | { type: 'appState'; state: 'active' | 'background' }
  /** The OS runs the background task (or the user taps "sync now": trigger manual). */
  | { type: 'runTask'; budgetMs: number; trigger: RunTrigger; tag?: string }
  | { type: 'setNetwork'; online: boolean; metered?: boolean }
  /** Arms a kill point (SIGKILL the nth time it is reached); point null disarms. */
  | { type: 'armKill'; point: KillPoint | null; nth: number }
  | { type: 'status' }
  /** The engine's getSyncOverview() (what the Sync screen shows). */
  | { type: 'overview' }
  | { type: 'snapshot' }
  | { type: 'shutdown' };

export interface WriteResult {
  /** Per change: whether it changed the local database (an update or delete of a missing row does not). */
  applied: boolean[];
}

export interface TakePhotoResult {
  bytes: number;
  width: number;
  height: number;
}

export interface DeviceStatus {
  appState: 'active' | 'background';
  pendingChanges: number;
  photos: Record<string, number>;
  connected: boolean;
  downloading: boolean;
  /** Epoch ms of the last completed checkpoint (real time). */
  lastSyncedAt: number | null;
  activeRunId: string | null;
  /** Rows per synced table. */
  rows: Record<string, number>;
}

/** A photo in the engine's queue, as the consistency check reads it. */
export interface LocalPhoto extends FailedPhoto {
  state: string;
  size: number;
}

/** Everything the consistency check needs from one device. */
export interface DeviceSnapshot {
  clientId: string;
  /** The highest ps_crud id ever allocated (0 when none): op ids are 1…crudSeq. */
  crudSeq: number;
  pendingChanges: number;
  /** ps_crud ids still waiting for upload. */
  pendingOpIds: number[];
  rows: Record<string, Array<Record<string, unknown>>>;
  photos: LocalPhoto[];
  rejections: RejectionSummary[];
  documentsDir: string;
}

/** Parent → child. */
export interface CommandMessage {
  kind: 'command';
  id: number;
  command: DeviceCommand;
}

/** Child → parent. */
export type ChildMessage =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: string }
  /** The app calls the OS: expo-background-task's registerTaskAsync / unregisterTaskAsync. */
  | { kind: 'os'; call: 'register'; minimumIntervalMin: number }
  | { kind: 'os'; call: 'unregister' }
  | { kind: 'runStarted'; seq: number; trigger: RunTrigger; budgetMs: number; tag?: string }
  | { kind: 'runEnded'; seq: number; report: RunReport };

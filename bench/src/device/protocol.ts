// What the bench orchestrator and a device child process say to each other (over the IPC channel).

/** A batch of CRUD work: `transactions` PowerSync transactions of one shape. */
export interface CrudWork {
  transactions: number;
  /** `schedule`: one PUT per transaction; `job`: schedule PUT + invoice PUT + schedule PATCH. */
  shape: 'schedule' | 'job';
}

export interface PhotoWork {
  count: number;
  /** A template file of the wanted size; each photo is a copy of it. */
  templatePath: string;
}

export interface Workload {
  crud?: CrudWork;
  photos?: PhotoWork[];
}

export type Side = 'engine' | 'baseline';

export interface DeviceJob {
  side: Side;
  /** The server as the device sees it: through the link emulator. */
  linkUrl: string;
  /** The server's own origin (dev media URLs name it); the device reaches it through the link. */
  serverUrl: string;
  /** A session token valid for the whole job. */
  token: string;
  workDir: string;
  workload: Workload;
  /**
   * Baseline: no new transaction or photo starts after this many ms (a bounded window for a
   * baseline too slow to finish; its figures are then rates).
   */
  windowMs?: number;
  /** A run budget: the engine's run budget; the baseline is cut off (in-flight work lost) at it. */
  budgetMs?: number;
  /** Engine safety margin (DESIGN: 15 s), scaled with a scaled budget. */
  safetyMarginMs?: number;
  /** Engine: this many background runs of `budgetMs` one after another (default 1). */
  runs?: number;
  /** Engine chunk size (DESIGN's 6 MB, scaled with a scaled budget). */
  uploadChunkBytes?: number;
  /** Engine: an upload port that cannot send a part of a file (photos go whole, as before chunking). */
  wholeUploads?: boolean;
  /** Baseline: the photo rows reach the server during setup (unmeasured), not one request per row. */
  presyncPhotoRows?: boolean;
  /** Sample the process's memory during the measured part. */
  sampleMemory?: boolean;
}

export interface RequestCounts {
  crud: number;
  sign: number;
  upload: number;
  other: number;
}

export interface DeviceMeasurement {
  side: Side;
  /** Wall time of the measured part (the engine's run; the baseline's three steps). */
  wallMs: number;
  requests: RequestCounts;
  /** Application bytes sent: JSON bodies, and file + form-field bytes of uploads (no HTTP framing). */
  payloadBytes: number;
  crud: { total: number; applied: number; rejected: number; ms: number };
  photos: { total: number; stored: number; failedUploads: number; fileBytes: number; totalFileBytes: number };
  /** Engine uploads: the longest time from an upload's last progress event to its answer or abort. */
  longestUploadSilenceMs?: number;
  /** From the first signing request to the last upload response (ms since the start), if any photo went. */
  photoSpan?: { firstSignAt: number; lastUploadAt: number };
  /** The run budget of the job (budget scenarios), ms. */
  budgetMs?: number;
  /** Engine runs one after another (`runs`): what each confirmed, and when its first signing request went. */
  perRun?: Array<{ fileBytes: number; photosStored: number; firstSignAt: number | null; outcome: string }>;
  /** The baseline stopped at its window (or budget) with work left. */
  windowed: boolean;
  memory?: { baselineRss: number; peakRss: number; baselineArrayBuffers: number; peakArrayBuffers: number };
  /** The engine's run outcome, or the baseline's stop reason. */
  outcome: string;
  errors: string[];
  /** The last lines the device process wrote to stderr (engine warnings, Node warnings). */
  stderrTail?: string[];
}

export interface DeviceProgress {
  crudLeft: number;
  crudTotal: number;
  photosStored: number;
  photosTotal: number;
  fileBytes: number;
  elapsedMs: number;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'progress'; progress: DeviceProgress }
  | { type: 'result'; measurement: DeviceMeasurement }
  | { type: 'error'; message: string };

export type ParentMessage = { type: 'go' };

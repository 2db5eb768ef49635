// A narrow view of a PowerSync database that both @powersync/node and @powersync/react-native
// satisfy (they pin different @powersync/common copies, so the engine never names their types).

export interface QueryResultLike {
  /** Always 0 for PowerSync tables (they are views); never rely on it. */
  rowsAffected?: number;
  insertId?: number;
  rows?: { _array: unknown[]; length: number };
}

export interface SqlExecutor {
  execute(sql: string, params?: unknown[]): Promise<QueryResultLike>;
  getAll<T>(sql: string, params?: unknown[]): Promise<T[]>;
  getOptional<T>(sql: string, params?: unknown[]): Promise<T | null>;
  get<T>(sql: string, params?: unknown[]): Promise<T>;
}

export interface CrudEntryLike {
  clientId: number;
  id: string;
  op: string;
  table: string;
  opData?: Record<string, unknown>;
  previousValues?: Record<string, unknown>;
  transactionId?: number;
}

export interface CrudTransactionLike {
  crud: CrudEntryLike[];
  transactionId?: number;
  /** Completes this transaction and every earlier one (PowerSync deletes ps_crud ids up to its last op). */
  complete(writeCheckpoint?: string): Promise<void>;
}

export interface SyncStatusLike {
  connected: boolean;
  connecting?: boolean;
  lastSyncedAt?: Date;
  hasSynced?: boolean;
  dataFlowStatus: { downloading: boolean; uploading: boolean; downloadError?: Error; uploadError?: Error };
}

export interface CrudBatchLike {
  crud: CrudEntryLike[];
  haveMore: boolean;
  /** Completes every entry up to the batch's last one (PowerSync deletes ps_crud ids up to it). */
  complete(writeCheckpoint?: string): Promise<void>;
}

export interface PowerSyncBackendConnectorLike {
  fetchCredentials(): Promise<{ endpoint: string; token: string; expiresAt?: Date } | null>;
  uploadData(database: never): Promise<void>;
}

export interface SyncDatabase extends SqlExecutor {
  writeTransaction<T>(fn: (tx: SqlExecutor) => Promise<T>, lockTimeout?: number): Promise<T>;
  readTransaction<T>(fn: (tx: SqlExecutor) => Promise<T>, lockTimeout?: number): Promise<T>;
  getCrudTransactions(): AsyncIterable<CrudTransactionLike, null>;
  /** The first `limit` ps_crud entries; the uploader sizes `limit` to end on a transaction boundary. */
  getCrudBatch(limit?: number): Promise<CrudBatchLike | null>;
  getClientId(): Promise<string>;
  // biome-ignore lint/suspicious/noExplicitAny: each SDK passes its own connector/options types
  connect(connector: any, options?: any): Promise<void>;
  disconnect(): Promise<void>;
  readonly currentStatus: SyncStatusLike;
  waitForStatus(predicate: (status: SyncStatusLike) => boolean, signal?: AbortSignal): Promise<void>;
}

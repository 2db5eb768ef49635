// The app's PowerSync schema. The engine does not import a PowerSync SDK (Node and React Native
// pin different @powersync/common copies), so each platform passes its own Schema/Table/column.

type ColumnType = 'text' | 'integer' | 'real';

interface TableSpec {
  columns: Record<string, ColumnType>;
  options?: {
    localOnly?: boolean;
    trackPrevious?: boolean | { columns?: string[]; onlyWhenChanged?: boolean };
    indexes?: Record<string, string[]>;
  };
}

/**
 * Synced tables mirror Postgres (minus server-only bookkeeping). Timestamps are text: ISO as phones
 * write them, the service's `YYYY-MM-DD HH:MM:SS.ffffffZ` once synced — compare them as instants
 * (timestamps.ts).
 */
export const SYNCED_TABLES = {
  schedules: {
    columns: {
      org_id: 'text',
      customer: 'text',
      address: 'text',
      scheduled_at: 'text',
      status: 'text',
      notes: 'text',
      updated_at: 'text',
    },
    options: { indexes: { scheduled_at: ['scheduled_at'] } },
  },
  invoices: {
    columns: {
      org_id: 'text',
      schedule_id: 'text',
      number: 'integer',
      amount_cents: 'integer',
      status: 'text',
      issued_at: 'text',
      updated_at: 'text',
    },
    // previousValues of these go up as `old`: the server refuses a PATCH whose `old` is stale.
    options: {
      trackPrevious: { columns: ['amount_cents', 'status'] },
      indexes: { schedule: ['schedule_id'] },
    },
  },
  photos: {
    columns: {
      org_id: 'text',
      schedule_id: 'text',
      kind: 'text',
      taken_at: 'text',
      cloudinary_public_id: 'text',
      cloudinary_version: 'integer',
      // Sent once in the confirmation PATCH so the server can verify the upload; not stored there.
      cloudinary_signature: 'text',
      cloudinary_url: 'text',
      bytes: 'integer',
      width: 'integer',
      height: 'integer',
      updated_at: 'text',
    },
    options: { indexes: { schedule: ['schedule_id'] } },
  },
} as const satisfies Record<string, TableSpec>;

/** Local-only tables (never uploaded). Times are epoch milliseconds. */
export const LOCAL_TABLES = {
  photo_attachments: {
    columns: {
      local_path: 'text',
      media_type: 'text',
      size: 'integer',
      state: 'text',
      attempts: 'integer',
      next_attempt_at: 'integer',
      claimed_at: 'integer',
      last_error: 'text',
      created_at: 'integer',
      synced_at: 'integer',
      // The last signed upload parameters (JSON) and when they were signed: re-signed past 50 min.
      upload_url: 'text',
      upload_fields: 'text',
      signed_at: 'integer',
    },
    options: { localOnly: true, indexes: { due: ['state', 'next_attempt_at'] } },
  },
  // A chunked upload under way (id = photo id): the media store's upload id and the bytes it
  // confirmed, so the next run goes on from there.
  photo_upload_sessions: {
    columns: { upload_id: 'text', confirmed: 'integer', updated_at: 'integer' },
    options: { localOnly: true },
  },
  sync_runs: {
    columns: {
      trigger: 'text',
      budget_ms: 'integer',
      started_at: 'integer',
      finished_at: 'integer',
      state: 'text',
      outcome: 'text',
      report: 'text',
      error: 'text',
    },
    options: { localOnly: true, indexes: { started: ['started_at'] } },
  },
  sync_rejections: {
    columns: {
      op_id: 'integer',
      tx_id: 'integer',
      op: 'text',
      table_name: 'text',
      row_id: 'text',
      data: 'text',
      code: 'text',
      message: 'text',
      created_at: 'integer',
    },
    options: { localOnly: true, indexes: { created: ['created_at'] } },
  },
  sync_settings: {
    columns: { value: 'text' },
    options: { localOnly: true },
  },
} as const satisfies Record<string, TableSpec>;

export type SyncedTableName = keyof typeof SYNCED_TABLES;

// biome-ignore lint/suspicious/noExplicitAny: each SDK's constructors take its own (generic) table/column types
type SdkArgument = any;

/** The constructors every PowerSync SDK exports. */
export interface PowerSyncSchemaKit<S, T> {
  Schema: new (tables: SdkArgument) => S;
  Table: new (columns: SdkArgument, options?: SdkArgument) => T;
  column: Record<ColumnType, unknown>;
}

export function createAppSchema<S, T>(kit: PowerSyncSchemaKit<S, T>): S {
  const all: Record<string, TableSpec> = { ...SYNCED_TABLES, ...LOCAL_TABLES };
  const tables: Record<string, T> = {};
  for (const [name, spec] of Object.entries(all)) {
    const columns = Object.fromEntries(
      Object.entries(spec.columns).map(([c, type]) => [c, kit.column[type]]),
    );
    tables[name] = new kit.Table(columns, spec.options);
  }
  return new kit.Schema(tables);
}

/** Column type of a synced table's column, used to coerce CRUD values (integers may arrive as 3.0). */
export function columnType(table: string, column: string): ColumnType | undefined {
  const spec = (SYNCED_TABLES as Record<string, TableSpec>)[table];
  return spec?.columns[column];
}

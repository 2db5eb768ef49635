// `POST /api/syncHealth`: a device's sync health report, as the engine's SyncHealthReporter sends it
// (one device, its background capability, its queues, and up to MAX_RUNS_PER_REPORT runs).
import Type, { type Static } from 'typebox';

export const MAX_RUNS_PER_REPORT = 50;

const Count = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
const EpochMs = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
// Nullable values as one `type: [T, 'null']`, not a union: with the app's type coercion the first
// branch of a union would turn null into false/0 (or false/0 into null).
const nullable = <T>(schema: Record<string, unknown> & { type: string }) =>
  Type.Unsafe<T | null>({ ...schema, type: [schema.type, 'null'] });
const Flag = nullable<boolean>({ type: 'boolean' });
const NullableEpochMs = nullable<number>({ type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 });

export const RUN_OUTCOMES = [
  'completed',
  'deadline',
  'aborted',
  'server_unavailable',
  'offline',
  'signed_out',
  'failed',
  'skipped_busy',
  'killed',
] as const;

export const ReportedRun = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    trigger: Type.Union([Type.Literal('background'), Type.Literal('resume'), Type.Literal('manual')]),
    budgetMs: Count,
    startedAt: EpochMs,
    finishedAt: NullableEpochMs,
    outcome: Type.Unsafe<(typeof RUN_OUTCOMES)[number]>({ type: 'string', enum: [...RUN_OUTCOMES] }),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
    applied: Count,
    rejected: Count,
    photos: Count,
    photosFailed: Count,
    bytes: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);

export const SyncHealthReport = Type.Object(
  {
    device: Type.Object(
      {
        id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
        platform: Type.Union([
          Type.Literal('ios'),
          Type.Literal('android'),
          Type.Literal('web'),
          Type.Literal('other'),
        ]),
        name: Type.Optional(Type.String({ maxLength: 80 })),
        appVersion: Type.Optional(Type.String({ maxLength: 40 })),
      },
      { additionalProperties: false },
    ),
    capability: Type.Object(
      {
        status: Type.Union([
          Type.Literal('available'),
          Type.Literal('restricted'),
          Type.Literal('denied'),
          Type.Literal('unknown'),
        ]),
        backgroundAppRefresh: Flag,
        lowPowerMode: Flag,
        batteryOptimization: Flag,
        policy: nullable<string>({ type: 'string', maxLength: 32 }),
      },
      { additionalProperties: false },
    ),
    queue: Type.Object(
      {
        pendingChanges: Count,
        pendingPhotos: Count,
        failedPhotos: Count,
        rejectedChanges: Count,
        lastSuccessfulSyncAt: NullableEpochMs,
      },
      { additionalProperties: false },
    ),
    sentAt: EpochMs,
    runs: Type.Array(ReportedRun, { maxItems: MAX_RUNS_PER_REPORT }),
  },
  { additionalProperties: false },
);

export type SyncHealthReport = Static<typeof SyncHealthReport>;
export type ReportedRun = Static<typeof ReportedRun>;

/** How many runs the report carried (all stored). */
export const SyncHealthAnswer = Type.Object({ runs: Type.Integer({ minimum: 0 }) });
export type SyncHealthAnswer = Static<typeof SyncHealthAnswer>;

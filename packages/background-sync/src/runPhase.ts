// The contract between a background run and its pluggable phases (photos, download).
import type { SyncDatabase } from './database';
import type { Ports } from './ports';
import type { RunBudget } from './runBudget';
import type { SyncSettings } from './settings';

export type RunTrigger = 'background' | 'resume' | 'manual';

/** Outcomes by precedence, highest first (DESIGN "One background run"), plus skipped_busy. */
export const OUTCOME_PRECEDENCE = [
  'failed',
  'signed_out',
  'offline',
  'server_unavailable',
  'aborted',
  'deadline',
  'completed',
] as const;
export type RunOutcome = (typeof OUTCOME_PRECEDENCE)[number] | 'skipped_busy';

/** Why a phase stopped early; each maps onto the outcome of the same name. */
export type StopCause = 'signed_out' | 'offline' | 'server_unavailable' | 'aborted' | 'deadline';

export interface RunContext {
  runId: string;
  trigger: RunTrigger;
  startedAt: number;
  /**
   * The run's budget: its signal aborts on the deadline, the caller's signal or the app turning
   * active; `canStart()` keeps new work out of the safety margin; `requestTimeoutMs(cap)` and
   * `child()` bound each request; `stop()` says what its abort means. Pass it to every request.
   */
  budget: RunBudget;
  settings: SyncSettings;
  ports: Ports;
  db: SyncDatabase;
}

export interface PhaseResult {
  /** done: nothing left; skipped: did not run (see reason); stopped: ended early (see stopCause). */
  status: 'done' | 'skipped' | 'stopped';
  stopCause?: StopCause;
  /** Human-readable detail, e.g. "ps_crud not empty" or "HTTP 503". */
  reason?: string;
  /** Phase-specific counts (photos uploaded, bytes, rows downloaded, …), copied into the RunReport. */
  counts?: Record<string, number>;
  durationMs?: number;
}

export interface RunPhase {
  name: 'photos' | 'download';
  run(ctx: RunContext): Promise<PhaseResult>;
}

// What the office page says about one device: its runs of the last 24 h, failures, and whether its
// background sync has gone quiet for longer than its platform makes likely.
import type { DeviceHealthRow, RunRow } from '../syncHealth/healthStore';

/**
 * Longest expected gap between background runs per platform. Android's WorkManager runs a 15 min
 * periodic task within the hour, Doze stretching that to a few hours at night; iOS runs processing
 * tasks when it chooses, often once overnight.
 */
export const EXPECTED_BACKGROUND_GAP_MS: Record<string, number> = {
  android: 4 * 3_600_000,
  ios: 24 * 3_600_000,
};
const DEFAULT_GAP_MS = 24 * 3_600_000;

/** Outcomes counted as failures: the run could not do its work for a reason the office may act on. */
const FAILURES = new Set(['failed', 'server_unavailable', 'signed_out', 'killed']);

export interface DeviceHealth {
  device: DeviceHealthRow;
  runs: RunRow[];
  failures: number;
  lastSuccessfulSyncAt: number | null;
  warnings: string[];
}

export function deviceHealth(
  device: DeviceHealthRow,
  runs: RunRow[],
  nowMs: number,
  expectedGapMs: Record<string, number> = EXPECTED_BACKGROUND_GAP_MS,
): DeviceHealth {
  const lastCompleted = runs.reduce<number | null>(
    (t, r) => (r.outcome === 'completed' && r.finishedAt !== null ? Math.max(t ?? 0, r.finishedAt) : t),
    null,
  );
  const lastOk = [device.lastSuccessfulSyncAt, lastCompleted].reduce<number | null>(
    (a, b) => (b === null ? a : Math.max(a ?? 0, b)),
    null,
  );
  const warnings: string[] = [];
  const cap = device.capability;
  if (cap.status !== 'available' && cap.status !== 'unknown') {
    const why = cap.backgroundAppRefresh === false ? ': Background App Refresh is off' : '';
    warnings.push(`background sync is ${cap.status} on this phone${why}`);
  }
  if (cap.lowPowerMode) warnings.push('Low Power Mode is on: the OS defers background runs');
  if (cap.batteryOptimization) warnings.push('battery optimisation applies to the app: runs are deferred');
  const gap = expectedGapMs[device.platform] ?? DEFAULT_GAP_MS;
  const since = device.lastBackgroundRun?.startedAt ?? device.firstRunAt ?? device.reportedAt;
  if (nowMs - since > gap) {
    const what = device.lastBackgroundRun ? 'no background run' : 'never a background run';
    warnings.push(`${what} for ${formatSpan(nowMs - since)} (expected within ${formatSpan(gap)})`);
  }
  return {
    device,
    runs,
    failures: runs.filter((r) => FAILURES.has(r.outcome)).length,
    lastSuccessfulSyncAt: lastOk,
    warnings,
  };
}

export function formatSpan(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 1) return 'under a minute';
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

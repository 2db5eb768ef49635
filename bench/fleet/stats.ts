// Figures of a load run: applied ops/s, latency percentiles, and the same per time bucket.

import type { MemorySample } from './loadRun';
import type { RequestRecord } from './phone';

/** Nearest-rank percentile (0 for no values). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Figures {
  appliedOpsPerS: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

export function figures(requests: readonly RequestRecord[], seconds: number): Figures {
  const ms = requests.map((r) => r.ms);
  return {
    appliedOpsPerS: round(requests.reduce((a, r) => a + r.applied, 0) / seconds),
    p50Ms: round(percentile(ms, 50), 1),
    p99Ms: round(percentile(ms, 99), 1),
    requests: requests.length,
  };
}

export interface Bucket extends Figures {
  /** Bucket start, seconds since the run started. */
  fromS: number;
  /** Mean RSS of the server process(es) over the bucket. */
  serverRssMb: number;
}

/** Per-bucket figures over whole buckets (a partial last bucket is left out). */
export function buckets(
  requests: readonly RequestRecord[],
  memory: readonly MemorySample[],
  elapsedMs: number,
  bucketMs: number,
): Bucket[] {
  const out: Bucket[] = [];
  for (let from = 0; from + bucketMs <= elapsedMs + 1; from += bucketMs) {
    const inside = <T extends { at: number }>(x: T) => x.at >= from && x.at < from + bucketMs;
    const rss = memory.filter(inside).map((m) => m.rssMb);
    out.push({
      fromS: from / 1000,
      ...figures(requests.filter(inside), bucketMs / 1000),
      serverRssMb: rss.length ? round(rss.reduce((a, b) => a + b, 0) / rss.length, 1) : 0,
    });
  }
  return out;
}

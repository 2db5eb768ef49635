// When to try again: exponential backoff with full jitter (DESIGN "Numbers": base 30 s, cap 1 h),
// and the server's Retry-After header.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

/** Delay before retry number `attempt` (1 = the first retry): random in [0, min(cap, base·2^(attempt−1))). */
export function backoffDelayMs(
  attempt: number,
  { baseMs, capMs, random = Math.random }: BackoffOptions,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 52));
  const ceiling = Math.min(capMs, baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * Milliseconds to wait from a Retry-After header (delta-seconds or an HTTP date), or undefined
 * when it is missing or unreadable.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header == null) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs } from '../src/retryPolicy';

describe('backoffDelayMs', () => {
  const opts = { baseMs: 30_000, capMs: 3_600_000 };
  it('grows exponentially from the base and stops at the cap', () => {
    const top = (attempt: number) => backoffDelayMs(attempt, { ...opts, random: () => 0.999999 });
    expect(top(1)).toBe(29_999);
    expect(top(2)).toBe(59_999);
    expect(top(5)).toBe(479_999);
    expect(top(20)).toBe(3_599_996);
    expect(top(10_000)).toBe(3_599_996);
  });
  it('is fully jittered: anywhere from 0 up to the ceiling', () => {
    expect(backoffDelayMs(3, { ...opts, random: () => 0 })).toBe(0);
    expect(backoffDelayMs(3, { ...opts, random: () => 0.5 })).toBe(60_000);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs(' 1.5 ', now)).toBe(1_500);
    expect(parseRetryAfterMs('1.25', now)).toBe(1_250);
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
  });
  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('120abc', now)).toBeUndefined();
    expect(parseRetryAfterMs('a120', now)).toBeUndefined();
  });
});

// The service's rendering of Postgres timestamptz text (as seen on the wire with service 1.25).
import { describe, expect, it } from 'vitest';
import { serviceTimestamptz } from '../src/timestamptz';

describe('serviceTimestamptz', () => {
  it('renders what the service sent: UTC, a space, the fraction Postgres printed, Z', () => {
    expect(serviceTimestamptz('2026-12-04 19:11:27.625809+00')).toBe('2026-12-04 19:11:27.625809Z');
    // A phone wrote 2026-12-04T19:11:27.596Z; Postgres prints .596 and the service passes it on.
    expect(serviceTimestamptz('2026-12-04 19:11:27.596+00')).toBe('2026-12-04 19:11:27.596Z');
    expect(serviceTimestamptz('2026-12-04 19:11:27+00')).toBe('2026-12-04 19:11:27Z');
  });

  it('converts other session time zones to UTC, keeping the fraction', () => {
    expect(serviceTimestamptz('2026-12-04 20:41:27.5+01:30')).toBe('2026-12-04 19:11:27.5Z');
    expect(serviceTimestamptz('2026-12-04 23:00:00-05')).toBe('2026-12-05 04:00:00Z');
  });

  it('passes null through and refuses text that is not a timestamp', () => {
    expect(serviceTimestamptz(null)).toBeNull();
    expect(() => serviceTimestamptz('yesterday')).toThrow(/not a Postgres timestamptz/);
  });
});

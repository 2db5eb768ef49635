// The "devices converged" check compares timestamps as instants: against the real service a synced
// value arrives as Postgres text (`2026-12-04 19:11:27.596Z`) where the server's row or the device's
// own write reads `2026-12-04T19:11:27.596Z` — the same value, not a difference.
import { describe, expect, it } from 'vitest';
import type { ReplicatedRow } from '../src/backend/replicator';
import { converged, type DeviceState } from '../src/consistency';
import type { DeviceSnapshot } from '../src/device/protocol';

const ORG = 'org_c';
const device = (rows: Record<string, unknown>[]): DeviceState => ({
  name: 'phone',
  orgId: ORG,
  // Only `rows` is read by this check.
  snapshot: { rows: { schedules: rows } } as unknown as DeviceSnapshot,
  runs: [],
});
const server = (row: ReplicatedRow) => new Map([[ORG, { schedules: new Map([[row.id, row]]) }]]);
const row = (scheduledAt: string, updatedAt: string): ReplicatedRow => ({
  id: 's1',
  org_id: ORG,
  customer: 'Diner',
  scheduled_at: scheduledAt,
  updated_at: updatedAt,
});

describe('devices converged', () => {
  it('accepts the service’s spelling of the server’s instant', () => {
    const check = converged(
      [device([row('2026-12-04 19:11:27.596Z', '2026-12-04 19:11:30.123456Z')])],
      server(row('2026-12-04T19:11:27.596Z', '2026-12-04 19:11:30.123456Z')),
    );
    expect(check.problems).toEqual([]);
    expect(check.checked).toBe(1);
  });

  it('still reports a different instant, whatever the spelling', () => {
    const check = converged(
      [device([row('2026-12-04 19:11:27.597Z', '2026-12-04 19:11:30Z')])],
      server(row('2026-12-04T19:11:27.596Z', '2026-12-04T19:11:30.000Z')),
    );
    expect(check.problems).toEqual([
      'phone: schedules s1 differs in scheduled_at ("2026-12-04 19:11:27.597Z" ≠ "2026-12-04T19:11:27.596Z")',
    ]);
  });
});

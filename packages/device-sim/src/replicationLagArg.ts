// `--replication-lag <ms | min-max>` of the demo and the trials: how long a change takes to reach
// the PowerSync double's streams (the real service: ~50–150 ms on loopback). Default: the double's.
import { DEFAULT_REPLICATION_LAG, type ReplicationLag } from '@vhd/powersync-double';
import { InvalidArgumentError } from 'commander';

export const REPLICATION_LAG_HELP = `replication lag of the PowerSync double in ms, fixed ("100") or a range ("50-150"); "0" turns it off (default ${describeReplicationLag(DEFAULT_REPLICATION_LAG)})`;

export function parseReplicationLag(text: string): ReplicationLag {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (!m)
    throw new InvalidArgumentError('--replication-lag must be milliseconds ("100") or a range ("50-150")');
  const min = Number(m[1]);
  if (m[2] === undefined) return min;
  const max = Number(m[2]);
  if (max < min) throw new InvalidArgumentError('--replication-lag range must be min-max with min ≤ max');
  return { min, max };
}

export function describeReplicationLag(lag: ReplicationLag): string {
  return typeof lag === 'number' ? `${lag} ms` : `${lag.min}–${lag.max} ms`;
}

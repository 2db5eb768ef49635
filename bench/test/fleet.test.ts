// The soak scenario in short (seconds, a few phones), on PGlite and — when TEST_DATABASE_URL names a
// cluster — on Postgres with two server instances: the load generator's own check finds every
// confirmed row, each op applied once, retries answered as the first time, numbers without a gap.
// Nothing here is timed; the figures are the benchmark's (`npm run fleet -w @vhd/bench`).
import { describe, expect, it } from 'vitest';
import { clean } from '../fleet/report';
import { type CaseSpec, runCase } from '../fleet/runCase';

const backends = process.env.TEST_DATABASE_URL ? (['pglite', 'postgres'] as const) : (['pglite'] as const);

describe.each(backends)('fleet load generator, short soak on %s', (backend) => {
  it('drives phones of two organizations over HTTP and finds nothing lost or doubled', async () => {
    const spec: CaseSpec = {
      name: `${backend} short soak`,
      backend,
      phones: 4,
      orgs: 2,
      instances: backend === 'postgres' ? 2 : 1,
      batchOps: 20,
      durationS: 3,
      maxOps: 20_000,
      retryEvery: 2,
      bucketS: 1,
      env: {},
    };
    const lines: string[] = [];
    const result = await runCase(spec, {
      ...(process.env.TEST_DATABASE_URL ? { adminUrl: process.env.TEST_DATABASE_URL } : {}),
      log: (line) => lines.push(line),
    });
    expect(result.check.problems).toEqual([]);
    expect(clean(result)).toBe(true);
    expect(result.check.rows).toBeGreaterThan(0);
    expect(result.retries.sent).toBeGreaterThan(0);
    expect(result.buckets.length).toBeGreaterThanOrEqual(2);
    expect(result.serverRssMb.max).toBeGreaterThan(0);
    // Progress lines while it ran, and the summary.
    expect(lines.some((l) => /applied ops\/s/.test(l))).toBe(true);
  }, 180_000);
});

// Smoke test of the bench harness (not a benchmark: nothing here is timed): one tiny mixed workload
// through the real server process, the link emulator (unshaped) and device child processes, for the
// engine and the baseline. The result has the stored shape, and the engine moved all the data.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scenarioRows } from '../src/figures';
import { BenchSession } from '../src/runBench';

let session: BenchSession;

beforeAll(async () => {
  session = await BenchSession.start(() => {});
});

afterAll(async () => {
  await session?.close();
});

it('measures the engine and the baseline on one small mixed workload', async () => {
  const workload = {
    crud: { transactions: 4, shape: 'job' as const },
    photos: [{ size: '200kb' as const, count: 3 }],
  };
  const runs = await session.runScenario({
    name: 'mixed',
    link: 'none',
    runs: [
      { label: 'engine', side: 'engine', workload },
      { label: 'baseline', side: 'baseline', workload },
    ],
  });

  const engine = runs.get('engine')!;
  const m = engine.measurement;
  expect(m.outcome).toBe('completed');
  // 12 CRUD ops + 3 photo rows + 3 upload confirmations, every photo's bytes stored.
  expect(m.crud).toMatchObject({ applied: 18, rejected: 0 });
  expect(m.photos.stored).toBe(3);
  expect(m.photos.fileBytes).toBe(m.photos.totalFileBytes);
  expect(m.requests).toMatchObject({ sign: 1, upload: 3 });
  // The link carried at least the files, both ways something.
  expect(engine.proxy.up).toBeGreaterThan(m.photos.fileBytes);
  expect(engine.proxy.down).toBeGreaterThan(0);
  expect(engine.serverUploadMs.length).toBe(m.requests.crud);

  const baseline = runs.get('baseline')!.measurement;
  expect(baseline.outcome).toBe('completed');
  expect(baseline.crud).toMatchObject({ applied: 18, rejected: 0 });
  // One request per transaction: 4 jobs + 3 photo rows + 3 confirmations; one signing per photo.
  expect(baseline.requests).toMatchObject({ crud: 10, sign: 3, upload: 3 });

  const rows = scenarioRows('mixed', 'none', runs);
  expect(rows.map((r) => r.metric)).toEqual(['utilisation', 'wall_s', 'requests', 'payload_mb', 'link_mb']);
  const requests = rows.find((r) => r.metric === 'requests')!;
  expect(requests).toMatchObject({ engine: 1 + 2 + 1 + 3, baseline: 16, ratio: 16 / 7 });
});

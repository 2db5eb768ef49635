import { describe, expect, it } from 'vitest';
import { SimulatedLink, turns } from '../test/support/simulatedLink';
import {
  afterEpoch,
  carryMs,
  type LevelState,
  NOT_STARTED,
  pickNext,
  UploadScheduler,
} from './uploadScheduler';

const MB = 1_000_000;

describe('pickNext', () => {
  const waiting = [{ bytes: 2 * MB }, { bytes: 200_000 }, { bytes: 2 * MB }, { bytes: 100_000 }];

  it('keeps queue order while everything fits, and before anything was measured', () => {
    expect(pickNext(waiting, 1_000, 0, 60_000)).toBe(0);
    expect(pickNext(waiting, null, 0, 1)).toBe(0);
  });

  it('takes the smallest that fits once the rest cannot all fit', () => {
    // 187.5 bytes/ms (1.5 Mbit/s): 4.3 MB need ~27.5 s with slack; 10 s left.
    expect(pickNext(waiting, 187.5, 0, 10_000)).toBe(3);
  });

  it('starts nothing the budget left cannot carry, counting what is still in flight', () => {
    expect(pickNext([{ bytes: 2 * MB }], 187.5, 0, 10_000)).toBe(-1);
    expect(pickNext([{ bytes: 100_000 }], 187.5, 0, 1_000)).toBe(0);
    expect(pickNext([{ bytes: 100_000 }], 187.5, 9_500, 10_000)).toBe(-1);
  });

  it('carryMs is the bytes at the measured goodput with slack, 0 before a measurement', () => {
    expect(carryMs(1_000, 10)).toBeCloseTo(120);
    expect(carryMs(1_000, null)).toBe(0);
  });
});

describe('afterEpoch', () => {
  const start: LevelState = { level: 2, below: null, held: 0, probed: false };

  it('probes upwards while doubling pays, and backs down when it does not', () => {
    const s1 = afterEpoch(start, { level: 2, bytesPerMs: 100 }, 10);
    expect(s1.level).toBe(4);
    const s2 = afterEpoch(s1, { level: 4, bytesPerMs: 180 }, 10);
    expect(s2.level).toBe(8);
    const s3 = afterEpoch(s2, { level: 8, bytesPerMs: 185 }, 10);
    expect(s3).toMatchObject({ level: 4, below: null });
    // Held there, not probed again at once.
    expect(afterEpoch(s3, { level: 4, bytesPerMs: 180 }, 10).level).toBe(4);
  });

  it('probes again after holding a level for a while; never beyond the maximum', () => {
    let s: LevelState = { level: 2, below: null, held: 0, probed: true };
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      s = afterEpoch(s, { level: s.level, bytesPerMs: 100 }, 10);
      seen.push(s.level);
    }
    expect(seen).toEqual([2, 2, 2, 2, 2, 2, 2, 4]);
    expect(
      afterEpoch({ level: 8, below: null, held: 0, probed: false }, { level: 8, bytesPerMs: 1 }, 10).level,
    ).toBe(10);
    expect(
      afterEpoch({ level: 10, below: null, held: 0, probed: false }, { level: 10, bytesPerMs: 1 }, 10).level,
    ).toBe(10);
  });
});

async function simulate(opts: {
  bytesPerMs: number;
  overheadMs: number;
  budgetMs: number;
  sizes: number[];
  initialInFlight?: number;
}) {
  const link = new SimulatedLink(opts.bytesPerMs, opts.overheadMs);
  const scheduler = new UploadScheduler({
    maxInFlight: 10,
    ...(opts.initialInFlight ? { initialInFlight: opts.initialInFlight } : {}),
    now: () => link.now,
    remainingMs: () => opts.budgetMs - link.now,
  });
  const stored: number[] = [];
  let peakInFlight = 0;
  let open = opts.sizes.length;
  let declined = 0;
  for (const bytes of opts.sizes) {
    void scheduler
      .run(bytes, async (confirm) => {
        peakInFlight = Math.max(peakInFlight, scheduler.inFlight);
        await link.send(bytes);
        // Cut off at the deadline: bytes answered later are lost.
        if (link.now <= opts.budgetMs) {
          confirm(bytes);
          stored.push(bytes);
        }
      })
      .then((outcome) => {
        if (outcome === NOT_STARTED) declined++;
        open--;
      });
  }
  // Past the budget nothing more is stored: uploads still on the link are left there.
  await link.run(
    opts.budgetMs + 1_000,
    () => open === 0,
    () => turns(),
  );
  return {
    stored,
    storedBytes: stored.reduce((a, b) => a + b, 0),
    declined,
    peakInFlight,
    endMs: link.now,
  };
}

// Poor 3G: 1.5 Mbit/s = 187.5 bytes/ms, 300 ms round trip; 4G: 20 Mbit/s, 120 ms + server time.
const POOR_3G = { bytesPerMs: 187.5, overheadMs: 300 };
const FOUR_G = { bytesPerMs: 2_500, overheadMs: 200 };

describe('UploadScheduler on a fake link (simulated time)', () => {
  // 22 s of budget left after CRUD.
  it('poor 3G, ten 2 MB photos in 22 s: at least one stored (all ten at once store none)', async () => {
    const r = await simulate({ ...POOR_3G, budgetMs: 22_000, sizes: Array(10).fill(2 * MB) });
    expect(r.stored.length).toBeGreaterThanOrEqual(1);
    expect(r.declined).toBeGreaterThan(0);
    // The control: all ten at once (as the pass did with 10 uploads in flight) store nothing.
    const all = await simulate({
      ...POOR_3G,
      budgetMs: 22_000,
      sizes: Array(10).fill(2 * MB),
      initialInFlight: 10,
    });
    expect(all.stored).toEqual([]);
  });

  it('poor 3G backlog of 2 MB and 200 kB photos: ≥ 0.8 of the link capacity stored within the budget', async () => {
    const sizes = [...Array(6).fill(2 * MB), ...Array(20).fill(200_000)];
    const r = await simulate({ ...POOR_3G, budgetMs: 22_000, sizes });
    expect(r.storedBytes / (187.5 * 22_000)).toBeGreaterThanOrEqual(0.8);
  });

  it('4G, small photos: raises concurrency to cover the round trip, as fast as ten at once', async () => {
    // 200 kB take 80 ms on the wire, less than the answer's 200 ms.
    const run = (initialInFlight?: number) =>
      simulate({
        ...FOUR_G,
        budgetMs: 600_000,
        sizes: Array(300).fill(200_000),
        ...(initialInFlight ? { initialInFlight } : {}),
      });
    const adaptive = await run();
    const ten = await run(10);
    expect(adaptive.stored.length).toBe(300);
    expect(adaptive.peakInFlight).toBeGreaterThanOrEqual(4);
    expect(ten.endMs / adaptive.endMs).toBeGreaterThanOrEqual(0.9);
  });

  it('4G, 2 MB photos: two in flight carry the link (no gain from more)', async () => {
    const r = await simulate({ ...FOUR_G, budgetMs: 600_000, sizes: Array(40).fill(2 * MB) });
    expect(r.stored.length).toBe(40);
    expect(r.peakInFlight).toBeLessThanOrEqual(8);
    expect((40 * 2 * MB) / 2_500 / r.endMs).toBeGreaterThanOrEqual(0.85);
  });
});

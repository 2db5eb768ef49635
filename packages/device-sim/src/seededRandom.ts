// Seeded randomness for everything the simulator decides (OS scheduling, photos, faults): the same
// seed replays the same day. Built on pure-rand, the generator fast-check itself uses.
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { mersenne } from 'pure-rand/generator/mersenne';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

export class SeededRandom {
  private constructor(private readonly rng: JumpableRandomGenerator) {}

  static fromSeed(seed: number): SeededRandom {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    // xoroshiro128plus(seed) puts small seeds straight into its state, so its first outputs are
    // nearly the same for every small seed (≈ 1.0). Mersenne Twister's seeding mixes well: use it
    // to fill the fast generator's state.
    const seeder = mersenne(seed);
    return new SeededRandom(
      xoroshiro128plusFromState([seeder.next(), seeder.next(), seeder.next(), seeder.next()]),
    );
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.rng, min, max);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Exponentially distributed with the given mean: the waiting time of a memoryless event. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** A 32-bit integer from the raw stream (for fast bulk noise). */
  nextInt32(): number {
    return this.rng.next();
  }

  /**
   * An independent stream (2^64 steps further along): one per device or per concern, so adding a
   * draw in one place does not shift every other decision.
   */
  fork(): SeededRandom {
    // The fork starts one jump ahead; the parent moves two ahead, past the fork's stretch.
    const forked = this.rng.clone();
    forked.jump();
    this.rng.jump();
    this.rng.jump();
    return new SeededRandom(forked);
  }
}

import { type Clock, sleep } from '@vhd/background-sync';

/** Wall clock: run budgets are measured on it because the OS may suspend JS timers. */
export const wallClock: Clock = { now: () => Date.now(), sleep };

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@vhd/bench',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { CLERK_TELEMETRY_DISABLED: '1' },
  },
});

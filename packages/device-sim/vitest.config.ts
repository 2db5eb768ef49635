import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@vhd/device-sim',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { CLERK_TELEMETRY_DISABLED: '1' },
  },
});

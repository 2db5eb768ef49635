import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// The upload route's tests, for mutation testing of the exactly-once path (stryker.server.config.mjs).
// They run the server in-process on PGlite, so per-test coverage sees the route's code.
export default defineProject({
  // Stryker loads this file from the repo root: the paths below are the package's.
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: '@vhd/server:mutation',
    // Not uploadScale.test.ts: a load test, minutes per run.
    include: [
      'test/upload.test.ts',
      'test/uploadInput.test.ts',
      'test/uploadFallback.test.ts',
      'test/uploadProperty.test.ts',
      'test/crudApply/**/*.test.ts',
      'src/crudApply/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { CLERK_TELEMETRY_DISABLED: '1' },
  },
});

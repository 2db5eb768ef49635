import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// The engine's in-process tests, for mutation testing (stryker.engine.config.mjs): per-test coverage
// only sees code run in this process, and each mutant reruns the tests that cover it, so the
// server-backed, real-SDK and child-process suites (slow; a child's coverage is invisible) stay out,
// and so does photoUpload.test.ts (wall-clock stall timing: on a loaded machine a dry-run flake).
export default defineProject({
  // Stryker loads this file from the repo root: the paths below are the package's.
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: '@vhd/background-sync:mutation',
    include: [
      'src/abort.test.ts',
      'src/runBudget.test.ts',
      'test/crudPayload.test.ts',
      'test/crudUploader.test.ts',
      'test/downloadPhaseLocal.test.ts',
      'test/mutex.test.ts',
      'test/photoQueueMemory.test.ts',
      'test/failurePolicy.test.ts',
      'test/runReport.test.ts',
      'test/syncControllerLocal.test.ts',
      'test/runBackgroundSync.test.ts',
    ],
    // A mutant that leaves a promise pending fails here in 5 s, instead of at Stryker's timeout,
    // which also restarts the test process (the slowest test here takes under 2 s).
    testTimeout: 5_000,
    hookTimeout: 10_000,
    env: { CLERK_TELEMETRY_DISABLED: '1' },
  },
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Test files that open a database run last, so a mutant a pure test kills costs no round trip. */
class PureTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) =>
      /testDatabase\b|TestDatabase\(/.test(readFileSync(f.moduleId, 'utf8')) ? 1 : 0;
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
  }
}

// The exactly-once path's in-process tests, for mutation testing (stryker.server.config.mjs): pure
// functions, processUpload and the retention job on an in-memory PGlite, the route through Fastify's
// inject — no server start. Each mutant reruns the tests that cover it, so the suites that start a
// test server (upload*.test.ts: seconds per test) stay in `npm test` only.
export default defineProject({
  // Stryker loads this file from the repo root: the paths below are the package's.
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: '@vhd/server:mutation',
    include: ['test/crudApply/**/*.test.ts'],
    // One worker for every run: the upload tests' database stays loaded (test/crudApply/sharedDatabase.ts).
    isolate: false,
    sequence: { sequencer: PureTestsFirst },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { CLERK_TELEMETRY_DISABLED: '1' },
  },
});

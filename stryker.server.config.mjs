// Mutation testing of the server's exactly-once path (npm run mutation:server). Reports: reports/mutation/server.*
// The incremental file is committed: a later run retests only mutants whose code or covering tests changed.
import { equivalentMutantsIgnorer, logCallsIgnorer } from './scripts/mutation/ignorers.mjs';

// Equivalent mutants: no test can tell them from the original. One line of reason each.
export const strykerPlugins = [logCallsIgnorer, equivalentMutantsIgnorer([])];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner', './stryker.server.config.mjs'],
  ignorers: ['log-calls', 'equivalent'],
  // related: false — vitest's import graph search misses our files from the repo root; the dry run's
  // per-test coverage picks each mutant's tests anyway.
  vitest: { configFile: 'apps/server/vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: ['apps/server/src/routes/upload/*.ts', '!apps/server/src/routes/upload/*.test.ts'],
  // Static mutants (module-level constants) need a full rerun each; the tests pin those constants' effects.
  ignoreStatic: true,
  ignorePatterns: ['apps/mobile', 'bench', 'reports', '.stryker', '*.db'],
  incremental: true,
  incrementalFile: '.stryker/server-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/server.html' },
  jsonReporter: { fileName: 'reports/mutation/server.json' },
  clearTextReporter: { reportMutants: false, reportTests: false, allowEmojis: false },
  // A 2-core machine: one test process; a mutant that loops is cut off by the timeout (counted as detected).
  concurrency: 1,
  timeoutMS: 30_000,
  tempDirName: '.stryker/tmp/server',
  cleanTempDir: 'always',
  thresholds: { high: 85, low: 70, break: null },
};

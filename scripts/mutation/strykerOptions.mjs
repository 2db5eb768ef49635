// The Stryker options every mutation config of this repo shares; each config names only what differs.

/**
 * @param {{ name: string, vitestConfig: string, mutate: string[], timeoutMS: number }} part
 * @returns {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export function strykerOptions({ name, vitestConfig, mutate, timeoutMS }) {
  return {
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner', `./stryker.${name}.config.mjs`],
    ignorers: ['log-calls', 'equivalent'],
    // related: false — vitest's import graph search misses our files from the repo root; the dry run's
    // per-test coverage picks each mutant's tests anyway.
    vitest: { configFile: vitestConfig, related: false },
    coverageAnalysis: 'perTest',
    mutate,
    // Static mutants (module-level constants) need a full rerun each; the tests pin those constants' effects.
    ignoreStatic: true,
    ignorePatterns: ['apps/mobile', 'bench', 'reports', '.stryker', '*.db'],
    incremental: true,
    incrementalFile: `.stryker/${name}-incremental.json`,
    reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    clearTextReporter: { reportMutants: false, reportTests: false, allowEmojis: false },
    // A 2-core machine: one test process; a mutant that loops is cut off by the timeout (counted as detected).
    concurrency: 1,
    timeoutMS,
    tempDirName: `.stryker/tmp/${name}`,
    cleanTempDir: 'always',
    thresholds: { high: 85, low: 70, break: null },
  };
}

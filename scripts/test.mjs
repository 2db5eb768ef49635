// Runs every test suite (vitest for the Node packages, jest-expo for the app when present) and
// ends with one line "N passed, N failed". Exit code is non-zero on any failure or on no tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const extra = process.argv.slice(2);
let passed = 0;
let failed = 0;
let crashed = false;

function runJsonSuite(label, cmd, args, resultFile, cwd = root) {
  rmSync(resultFile, { force: true });
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, CLERK_TELEMETRY_DISABLED: '1' },
  });
  if (!existsSync(resultFile)) {
    console.error(`${label}: the runner wrote no results (exit ${r.status ?? r.signal})`);
    crashed = true;
    return;
  }
  const json = JSON.parse(readFileSync(resultFile, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that fails to load counts no test but must still fail the run.
  if (json.numFailedTestSuites > 0 && json.numFailedTests === 0) failed += json.numFailedTestSuites;
  if (r.status !== 0 && json.numFailedTests === 0 && json.numFailedTestSuites === 0) crashed = true;
}

const vitestOut = join(root, '.vitest-results.json');
runJsonSuite(
  'vitest',
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestOut}`, ...extra],
  vitestOut,
);

const mobile = join(root, 'apps/mobile');
if (existsSync(join(mobile, 'package.json')) && extra.length === 0) {
  const jestOut = join(root, '.jest-results.json');
  runJsonSuite('jest', 'npx', ['jest', '--ci', '--json', `--outputFile=${jestOut}`], jestOut, mobile);
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || crashed || passed === 0 ? 1 : 0);

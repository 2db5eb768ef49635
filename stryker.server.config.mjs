// Mutation testing of the server's exactly-once path (npm run mutation:server). Reports: reports/mutation/server.*
// The incremental file is committed: a later run retests only mutants whose code or covering tests changed.
import { equivalentMutantsIgnorer, logCallsIgnorer } from './scripts/mutation/ignorers.mjs';
import { strykerOptions } from './scripts/mutation/strykerOptions.mjs';

// Equivalent mutants: no test can tell them from the original. One line of reason each.
export const strykerPlugins = [logCallsIgnorer, equivalentMutantsIgnorer([])];

export default strykerOptions({
  name: 'server',
  vitestConfig: 'apps/server/vitest.mutation.config.ts',
  mutate: [
    'apps/server/src/crudApply/*.ts',
    'apps/server/src/routes/upload.ts',
    'apps/server/src/routes/uploadEnvelope.ts',
    '!apps/server/src/crudApply/*.test.ts',
  ],
  timeoutMS: 30_000,
});

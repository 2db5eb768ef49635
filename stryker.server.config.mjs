// Mutation testing of the server's exactly-once path (npm run mutation:server). Reports: reports/mutation/server.*
// The incremental file is committed: a later run retests only mutants whose code or covering tests changed.
import { equivalentMutantsIgnorer, logCallsIgnorer } from './scripts/mutation/ignorers.mjs';
import { strykerOptions } from './scripts/mutation/strykerOptions.mjs';

const BATCH = 'apps/server/src/crudApply/applyUpload.ts';
const VERDICTS = 'apps/server/src/crudApply/verdictStore.ts';

// Equivalent mutants: no test can tell them from the original. One line of reason each.
export const strykerPlugins = [
  logCallsIgnorer,
  equivalentMutantsIgnorer([
    {
      file: BATCH,
      code: 'item.txId === null',
      reason: 'byTx never has a null key: it is set only for a tx_id',
    },
    {
      file: BATCH,
      code: 'item.txId !== null',
      reason: 'a null key is never read: an op without tx_id skips the look-up',
    },
    {
      file: BATCH,
      code: 'accepted.length === 0',
      reason: 'with nothing accepted the apply plans nothing and sends no statement',
    },
    {
      file: BATCH,
      code: '{ cause: err }',
      reason: 'the cause is not read: the bisecting retry meets the failure again',
    },
    { file: BATCH, code: 'watermark !== null', reason: 'without a watermark no op is seen' },
    { file: BATCH, code: "mode === 'set-based'", reason: 'SetBasedFailed is thrown only in set-based mode' },
    {
      file: VERDICTS,
      code: '!row',
      reason: 'INSERT … ON CONFLICT DO UPDATE … RETURNING always returns the row',
    },
    {
      file: VERDICTS,
      code: "'client watermark upsert returned no row'",
      reason: 'unreachable: see `!row`',
    },
    {
      file: VERDICTS,
      code: "r.code ?? 'invalid'",
      reason: 'a rejected verdict is always recorded with its code (insertVerdicts)',
    },
    {
      file: VERDICTS,
      code: "r.message ?? ''",
      reason: 'a rejected verdict is always recorded with its message',
    },
    {
      file: 'apps/server/src/routes/uploadEnvelope.ts',
      code: "typeof body !== 'object'",
      reason: 'a string or number body has no client_id or batch to check either way',
    },
  ]),
];

export default strykerOptions({
  name: 'server',
  vitestConfig: 'apps/server/vitest.mutation.config.ts',
  mutate: [
    'apps/server/src/crudApply/*.ts',
    'apps/server/src/routes/upload.ts',
    'apps/server/src/routes/uploadEnvelope.ts',
  ],
  timeoutMS: 30_000,
});

// Mutation testing of the engine core (npm run mutation:engine). Reports: reports/mutation/engine.*
// The incremental file is committed: a later run retests only mutants whose code or covering tests changed.
import { equivalentMutantsIgnorer, logCallsIgnorer } from './scripts/mutation/ignorers.mjs';
import { strykerOptions } from './scripts/mutation/strykerOptions.mjs';

const UPLOADER = 'packages/background-sync/src/crudUploader.ts';
const MUTEX = 'packages/background-sync/src/mutex.ts';
const RUN = 'packages/background-sync/src/runBackgroundSync.ts';
const DOWNLOAD = 'packages/background-sync/src/downloadPhase.ts';

// Equivalent mutants: no test can tell them from the original. One line of reason each.
export const strykerPlugins = [
  logCallsIgnorer,
  equivalentMutantsIgnorer([
    { file: UPLOADER, code: '{ applied: [], rejected }', reason: 'finish() reads only the rejected list' },
    {
      file: UPLOADER,
      code: 's.retryAfterMs !== undefined',
      reason: 'without Retry-After notBefore would be NaN, and a NaN wait never holds an upload back',
    },
    {
      file: UPLOADER,
      code: 'whole.bytes + whole.n * OP_OVERHEAD_BYTES',
      reason: "a one-transaction plan's bytes are read only by halving, which needs several transactions",
    },
    ...['op?.tx_id', 'op?.op', 'op?.type', 'op?.id', 'op?.data', 'op?.old'].map((code) => ({
      file: UPLOADER,
      code,
      reason: 'checkAnswer has made sure every rejected op was sent, so op is defined',
    })),
    { file: UPLOADER, code: "f.kind === 'http'", reason: 'only an http failure has a status' },
    {
      file: UPLOADER,
      code: 'first.txId === null',
      reason: 'a row without tx_id is a group of its own, so a full look-ahead (≥ 2 rows) has a second group',
    },
    { file: MUTEX, code: '{ once: true }', reason: "an AbortSignal fires 'abort' at most once" },
    {
      file: MUTEX,
      code: 'i >= 0',
      reason: 'onAbort runs only while waiting (a grant removes it), so the waiter is queued',
    },
    {
      file: 'src/syncController.ts',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal
      code: '`timed out after ${ms} ms`',
      reason: 'the message reaches only a log line',
    },
    {
      file: 'src/failurePolicy.ts',
      code: "value === ''",
      reason: "'' fails the number pattern and Date.parse('') is NaN: unreadable either way",
    },
    { file: RUN, code: 'r.stop?.retryAfterMs', reason: 'a stopped upload always has its stop' },
    { file: RUN, code: '{ once: true }', reason: "an AbortSignal fires 'abort' at most once" },
    {
      file: RUN,
      code: 'stragglers.length === 0',
      reason: 'with no stragglers allSettled([]) releases a microtask later, before any caller can look',
    },
    {
      file: RUN,
      code: 'p.failure ? [p.failure] : []',
      reason: "the failure is also in the run's error list, which is added to the report right after",
    },
    { file: DOWNLOAD, code: "res.failure.kind === 'http'", reason: 'only an http failure has a code' },
    {
      file: DOWNLOAD,
      code: 'uploadedAt !== undefined',
      reason: 'a time compared with an undefined uploadedAt is false either way',
    },
  ]),
];

export default strykerOptions({
  name: 'engine',
  vitestConfig: 'packages/background-sync/vitest.mutation.config.ts',
  mutate: [
    'packages/background-sync/src/crudUploader.ts',
    'packages/background-sync/src/photoQueue.ts',
    'packages/background-sync/src/photoQueuePass.ts',
    'packages/background-sync/src/photoQueueStore.ts',
    'packages/background-sync/src/syncController.ts',
    'packages/background-sync/src/mutex.ts',
    'packages/background-sync/src/runBackgroundSync.ts',
    'packages/background-sync/src/downloadPhase.ts',
    'packages/background-sync/src/failurePolicy.ts',
    'packages/background-sync/src/runBudget.ts',
  ],
  timeoutMS: 10_000,
});

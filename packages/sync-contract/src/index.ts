// The wire contract between the sync engine and the server, defined once: TypeBox schemas (the
// server validates and serialises with them) and their static types (the engine's view of the wire).
// No runtime dependency beyond TypeBox and no Node import: the app bundle may import it.
export { UploadAnswer, UploadOp, UploadRequest } from './crudUpload';
export {
  MAX_PHOTOS_PER_SIGNING,
  MediaLimits,
  SignAnswer,
  SignedUpload,
  SignRejection,
  SignRequest,
} from './photoSigning';
export { TokenAnswer } from './powersyncToken';
export {
  MAX_RUNS_PER_REPORT,
  ReportedRun,
  RUN_OUTCOMES,
  SyncHealthAnswer,
  SyncHealthReport,
} from './syncHealth';

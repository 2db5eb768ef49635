export { type BuildAppOptions, buildApp } from './app';
export type { ApiAuth } from './auth/authenticate';
export { type AuthContext, authContextFromClaims } from './auth/claims';
export {
  type Config,
  ConfigError,
  checkConfig,
  describeMode,
  loadConfig,
  usesDevAuth,
  usesDevMedia,
} from './config';
export type {
  PhotoConfirmation,
  PhotoConfirmationResult,
  PhotoConfirmationVerifier,
} from './crudApply/photoConfirmations';
export * from './db/index';
export { errorBody, HttpError } from './errors';

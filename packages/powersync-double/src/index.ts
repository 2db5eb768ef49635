// @vhd/powersync-double: a TEST DOUBLE of the PowerSync service. Never used in production.
export { addChecksums, opChecksum } from './checksum';
export type { Op, Row } from './opLog';
export * from './powerSyncDouble';
export type * from './protocol';
export { DEFAULT_PRIORITY } from './protocol';
export type { StreamInfo } from './streamSession';
export * from './testIssuer';

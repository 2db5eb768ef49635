// @vhd/powersync-double: a TEST DOUBLE of the PowerSync service. Never used in production.
export { addChecksums, opChecksum } from './checksum';
export type { Op, Row } from './opLog';
export * from './powerSyncDouble';
export type * from './protocol';
export { DEFAULT_PRIORITY } from './protocol';
export { DEFAULT_REPLICATION_LAG, type ReplicationLag } from './replicationLag';
export type { StreamInfo } from './streamSession';
export * from './testIssuer';
export { serviceTimestamptz } from './timestamptz';

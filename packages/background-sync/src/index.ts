export * from './abort';
export type * from './database';
export type * from './ports';
export * from './settings';
export * from './schema';
export * from './runPhase';

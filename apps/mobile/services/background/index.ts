export * from './BackgroundSync';
export * from './BackgroundSystem';
export { createExpoPorts } from './ports';
export * from './signOut';
export * from './useBackgroundLifecycle';

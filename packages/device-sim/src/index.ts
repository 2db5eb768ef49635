export * from './linkEmulator';
export * from './osScheduler';
export * from './photoFactory';
export * from './policies/androidPolicy';
export * from './policies/iosPolicy';
export * from './seededRandom';
export * from './simClock';

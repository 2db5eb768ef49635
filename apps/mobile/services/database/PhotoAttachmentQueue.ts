// The app's photo queue: the engine's PhotoAttachmentQueue. The engine builds it, with the photo
// phase that drains it, in createSyncEngine (packages/background-sync/src/syncEngine.ts); the app
// reaches it as `system.queue` (services/background/BackgroundSystem.ts).
export { PhotoAttachmentQueue } from '@vhd/background-sync';

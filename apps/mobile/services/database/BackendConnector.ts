// The app's PowerSync connector: the engine's BackendConnector (credentials from our server, uploads
// through the one CrudUploader). The engine builds it, with the SyncController that alone connects
// and disconnects, in createSyncEngine (packages/background-sync/src/syncEngine.ts), which
// services/background/BackgroundSystem.ts calls with the Expo ports.
export { BackendConnector } from '@vhd/background-sync';

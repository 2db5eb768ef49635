// One SQLite file per signed-in user, so one user's queue is never uploaded with another's token.
// PowerSync's React Native SDK with its built-in op-sqlite adapter.
import { column, PowerSyncDatabase, Schema, Table } from '@powersync/react-native';
import { createAppSchema } from '@vhd/background-sync';

export const appSchema = createAppSchema({ Schema, Table, column });

export function databaseFileName(userId: string): string {
  if (!userId) throw new Error('databaseFileName: userId is empty');
  return `vhd-${userId.replace(/[^A-Za-z0-9_-]/g, '_')}.db`;
}

export function openUserDatabase(userId: string): PowerSyncDatabase {
  return new PowerSyncDatabase({ schema: appSchema, database: { dbFilename: databaseFileName(userId) } });
}

// The engine's database on Node (the device simulator, tests, benchmarks): a @powersync/node
// database with the app schema, opened and initialised. The app opens its own with
// @powersync/react-native and the same schema (apps/mobile services/database/openDatabase.ts).
import { column, LogLevels, PowerSyncDatabase, type PowerSyncLogger, Schema, Table } from '@powersync/node';
import { createAppSchema } from '../src/schema';

export const nodeAppSchema = createAppSchema({ Schema, Table, column });

export interface NodeDatabaseOptions {
  /** The database file (created if absent). */
  path: string;
  /** The SDK's own log; default: quiet unless LOG_LEVEL asks for it (tests inject faults it would report). */
  logger?: PowerSyncLogger;
  /** Read connections (the SDK's default when absent; 1 opens faster and is enough for tests). */
  readWorkerCount?: number;
}

export async function openNodeDatabase(options: NodeDatabaseOptions): Promise<PowerSyncDatabase> {
  const db = new PowerSyncDatabase({
    schema: nodeAppSchema,
    database: {
      dbFilename: options.path,
      ...(options.readWorkerCount !== undefined ? { readWorkerCount: options.readWorkerCount } : {}),
    },
    logger: options.logger ?? envSdkLogger,
  });
  await db.init();
  return db;
}

const envSdkLogger: PowerSyncLogger = {
  log(record) {
    const level = process.env.LOG_LEVEL;
    if (!level || level === 'silent') return;
    const min = LogLevels[level as keyof typeof LogLevels] ?? LogLevels.warn;
    if (record.level >= min) console.error(`[PowerSync] ${record.message}`, record.error ?? '');
  },
};

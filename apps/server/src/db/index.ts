export { createDb } from './database';
export { migrate, readMigrations } from './migrate';
export { openDb } from './open';
export { pgliteDriver } from './pglite';
export { postgresDriver } from './postgres';
export { isDataError, sqlState } from './sqlstate';
export type { Db, DbKind, Queryable, QueryResult, Row, Tx } from './types';

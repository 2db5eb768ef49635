/** One row as the database layer returns it (values normalised by `parsers.ts`). */
export type Row = Record<string, unknown>;

export interface QueryResult<R = Row> {
  rows: R[];
  /** Rows returned or changed by the statement. */
  rowCount: number;
}

export interface Queryable {
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Tx extends Queryable {
  /** Runs `fn` inside a savepoint: released on success, rolled back to (and rethrown) on error. */
  savepoint<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export type DbKind = 'pglite' | 'postgres';

export interface Db extends Queryable {
  readonly kind: DbKind;
  /** One transaction: committed when `fn` resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Observes every statement sent (including BEGIN/COMMIT/SAVEPOINT); returns an unsubscribe. */
  onStatement(listener: (sql: string) => void): () => void;
  close(): Promise<void>;
}

/** What a driver provides; `database.ts` builds the `Db` interface on top of it. */
export interface Session {
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>;
  exec(sql: string): Promise<void>;
}

export interface Driver extends Session {
  readonly kind: DbKind;
  /**
   * Runs `fn` on one connection inside BEGIN … COMMIT (ROLLBACK when it throws). `onControl` is told
   * about the BEGIN/COMMIT/ROLLBACK the driver sends itself, so statements are counted the same way on
   * every driver.
   */
  transaction<T>(fn: (session: Session) => Promise<T>, onControl: (sql: string) => void): Promise<T>;
  close(): Promise<void>;
}

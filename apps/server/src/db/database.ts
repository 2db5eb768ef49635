import type { Db, Driver, QueryResult, Row, Session, Tx } from './types';

type Listener = (sql: string) => void;

/** Builds the one `Db` interface (transactions, savepoints, statement observers) over a driver. */
export function createDb(driver: Driver): Db {
  const listeners = new Set<Listener>();
  const notify = (sql: string) => {
    for (const listener of listeners) listener(sql);
  };
  const counted = (session: Session): Session => ({
    query(sql, params) {
      notify(sql);
      return session.query(sql, params);
    },
    exec(sql) {
      notify(sql);
      return session.exec(sql);
    },
  });
  const direct = counted(driver);

  function txOver(session: Session): Tx {
    let depth = 0;
    const tx: Tx = {
      query: <R = Row>(sql: string, params?: readonly unknown[]) =>
        session.query(sql, params) as Promise<QueryResult<R>>,
      exec: (sql) => session.exec(sql),
      async savepoint(fn) {
        const name = `sp_${++depth}`;
        await session.query(`SAVEPOINT ${name}`);
        try {
          const result = await fn(tx);
          await session.query(`RELEASE SAVEPOINT ${name}`);
          return result;
        } catch (err) {
          await session.query(`ROLLBACK TO SAVEPOINT ${name}`);
          throw err;
        } finally {
          depth--;
        }
      },
    };
    return tx;
  }

  return {
    kind: driver.kind,
    query: <R = Row>(sql: string, params?: readonly unknown[]) =>
      direct.query(sql, params) as Promise<QueryResult<R>>,
    exec: (sql) => direct.exec(sql),
    transaction: (fn) => driver.transaction((session) => fn(txOver(counted(session))), notify),
    onStatement(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => driver.close(),
  };
}

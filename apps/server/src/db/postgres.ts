import pg from 'pg';
import { PARSERS } from './parsers';
import type { Driver, Session } from './types';

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    PARSERS[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A `pg` pool of `max` connections (DATABASE_POOL_MAX); every connection runs in UTC so timestamp
 * text is parsed the same way as on PGlite.
 */
export function postgresDriver(connectionString: string, max = 20): Driver {
  const pool = new pg.Pool({ connectionString, max, types, options: '-c TimeZone=UTC' });
  // An idle client losing its connection must not crash the process; the next checkout reconnects.
  pool.on('error', () => {});

  const over = (q: pg.Pool | pg.PoolClient): Session => ({
    async query(sql, params) {
      const result = await q.query(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql) {
      await q.query(sql);
    },
  });

  return {
    kind: 'postgres',
    ...over(pool),
    async transaction(fn, onControl) {
      const client = await pool.connect();
      let broken = false;
      try {
        onControl('BEGIN');
        await client.query('BEGIN');
        const result = await fn(over(client));
        onControl('COMMIT');
        await client.query('COMMIT');
        return result;
      } catch (err) {
        onControl('ROLLBACK');
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../src/db/database';
import { migrate, readMigrations } from '../src/db/migrate';
import { pgliteDriver } from '../src/db/pglite';
import { postgresDriver } from '../src/db/postgres';
import { isDataError } from '../src/db/sqlstate';
import type { Db } from '../src/db/types';
import { startTestServer, type TestServer, testBackends } from '../src/testing';

describe.each(testBackends())('database layer on %s', (backend) => {
  let server: TestServer;
  let db: Db;
  beforeAll(async () => {
    server = await startTestServer({ backend });
    db = server.db;
  });
  afterAll(() => server?.close());

  it('returns the same JS values on both drivers', async () => {
    const { rows } = await db.query(
      `SELECT 9007199254740991::int8 AS big, 42::int4 AS int, '12.50'::numeric AS num, '\\x00ff'::bytea AS bin,
              '2024-02-29 23:59:59.123456+05:30'::timestamptz AS ts, '2024-02-29 10:00'::timestamp AS local,
              '2024-02-29'::date AS day, ARRAY[1, NULL, 3]::int8[] AS bigs,
              ARRAY['2024-01-01T00:00:00Z'::timestamptz, NULL] AS times, '{"a": [1]}'::jsonb AS doc,
              gen_random_uuid() AS id, NULL::int8 AS nothing, true AS yes`,
    );
    const r = rows[0]!;
    expect(r).toMatchObject({
      big: 9007199254740991,
      int: 42,
      num: '12.50',
      ts: '2024-02-29T18:29:59.123Z',
      local: '2024-02-29T10:00:00.000Z',
      day: '2024-02-29',
      bigs: [1, null, 3],
      times: ['2024-01-01T00:00:00.000Z', null],
      doc: { a: [1] },
      nothing: null,
      yes: true,
    });
    expect(Buffer.from(r.bin as Uint8Array)).toEqual(Buffer.from([0, 255]));
    expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
    await expect(db.query('SELECT 9007199254740993::int8 AS n')).rejects.toThrow(/safe-integer/);
  });

  it('commits, rolls back, and rolls back to a savepoint while keeping the rest', async () => {
    await db.query('CREATE TABLE t_tx (v int PRIMARY KEY)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t_tx VALUES (1)');
      await expect(
        tx.savepoint(async (sp) => {
          await sp.query('INSERT INTO t_tx VALUES (2)');
          await sp.query('INSERT INTO t_tx VALUES (1)');
        }),
      ).rejects.toSatisfy(isDataError);
      await tx.savepoint((sp) => sp.query('INSERT INTO t_tx VALUES (3)'));
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t_tx VALUES (4)');
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    expect((await db.query('SELECT v FROM t_tx ORDER BY v')).rows).toEqual([{ v: 1 }, { v: 3 }]);
  });

  it('reports every statement to observers, including transaction control', async () => {
    const seen: string[] = [];
    const stop = db.onStatement((sql) => seen.push(sql.split(' ')[0]!));
    await db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await tx.savepoint((sp) => sp.query('SELECT 2'));
    });
    stop();
    await db.query('SELECT 3');
    expect(seen).toEqual(['BEGIN', 'SELECT', 'SAVEPOINT', 'SELECT', 'RELEASE', 'COMMIT']);
  });

  it('has applied every migration once, and migrating again does nothing', async () => {
    const names = (await readMigrations()).map((m) => m.name);
    expect(
      (await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map(
        (r) => r.name,
      ),
    ).toEqual(names);
    expect(await migrate(db)).toEqual([]);
  });
});

describe('migrations', () => {
  it('apply in order inside one transaction: a failing migration leaves nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vhd-migrations-'));
    const db = createDb(await pgliteDriver('memory'));
    try {
      await writeFile(join(dir, '001_a.sql'), 'CREATE TABLE a (id int PRIMARY KEY);');
      await writeFile(join(dir, '002_b.sql'), 'CREATE TABLE b (id int); SELECT * FROM missing_table;');
      await writeFile(join(dir, 'notes.txt'), 'not a migration');
      await expect(migrate(db, await readMigrations(dir))).rejects.toThrow(/migration 002_b.sql failed/);
      expect((await db.query("SELECT to_regclass('a') AS a")).rows).toEqual([{ a: null }]);
      await writeFile(join(dir, '002_b.sql'), 'CREATE TABLE b (id int REFERENCES a (id));');
      expect(await migrate(db, await readMigrations(dir))).toEqual(['001_a.sql', '002_b.sql']);
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(testBackends().includes('postgres'))(
    'are applied once when several servers start together on Postgres',
    async () => {
      const adminUrl = process.env.TEST_DATABASE_URL!;
      const name = `vhd_test_migrate_${Date.now()}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const dbs = Array.from({ length: 4 }, () => createDb(postgresDriver(url.toString(), 2)));
      try {
        const applied = await Promise.all(dbs.map((db) => migrate(db)));
        expect(applied.flat().sort()).toEqual((await readMigrations()).map((m) => m.name));
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
        await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
        await admin.end();
      }
    },
  );
});

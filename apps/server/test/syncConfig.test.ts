import { readFile } from 'node:fs/promises';
import { SqlSyncRules, StaticSchema } from '@powersync/service-sync-rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';

const SYNC_CONFIG = new URL('../powersync/sync-config.yaml', import.meta.url);
const SERVICE_CONFIG = new URL('../powersync/service.example.yaml', import.meta.url);
const SYNCED = ['schedules', 'invoices', 'photos'];

// The shipped sync config, checked with PowerSync's own sync-rules parser against the migrated schema.
describe.each(testBackends())('PowerSync sync config (%s)', (backend) => {
  let server: TestServer;
  let schema: StaticSchema;
  let columns: Map<string, string[]>;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    const { rows } = await server.db.query<{ table_name: string; column_name: string; udt_name: string }>(
      `SELECT table_name, column_name, udt_name FROM information_schema.columns
        WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    );
    columns = new Map();
    for (const row of rows)
      columns.set(row.table_name, [...(columns.get(row.table_name) ?? []), row.column_name]);
    const tables = [...columns.keys()].map((name) => ({
      name,
      columns: rows
        .filter((r) => r.table_name === name)
        .map((r) => ({ name: r.column_name, pg_type: r.udt_name })),
    }));
    schema = new StaticSchema([{ tag: 'default', schemas: [{ name: 'public', tables }] }]);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('parses and matches the database: no unknown table or column', async () => {
    const yaml = await readFile(SYNC_CONFIG, 'utf8');
    expect(SqlSyncRules.validate(yaml, { schema, defaultSchema: 'public' }).map((e) => e.message)).toEqual(
      [],
    );
    // The check can fail: a column the database lacks is reported.
    const broken = yaml.replace('notes, updated_at', 'notes, no_such_column, updated_at');
    expect(SqlSyncRules.validate(broken, { schema, defaultSchema: 'public' }).map((e) => e.message)).toEqual([
      'Column not found: no_such_column',
    ]);
  });

  it('syncs every column of schedules, invoices and photos, bucketed by the token org_id', async () => {
    const yaml = await readFile(SYNC_CONFIG, 'utf8');
    const { config, errors } = SqlSyncRules.fromYaml(yaml, { defaultSchema: 'public', schema });
    expect(errors).toEqual([]);
    const outputs = config.debugGetOutputTables() as Record<string, { query: string }[]>;
    expect(Object.keys(outputs).sort()).toEqual([...SYNCED].sort());
    for (const table of SYNCED) {
      const query = outputs[table]![0]!.query.replace(/\s+/g, ' ');
      const selected = /^SELECT (.+) FROM (\w+) WHERE org_id = bucket\.org_id$/.exec(query);
      expect(selected?.[2]).toBe(table);
      expect(selected![1]!.split(', ').sort()).toEqual([...columns.get(table)!].sort());
    }
    expect(yaml).toMatch(/parameters: SELECT request\.jwt\(\) ->> 'org_id' AS org_id/);
  });

  it('ships a service config that trusts this server’s JWKS and audience and shares no telemetry', async () => {
    const service = await readFile(SERVICE_CONFIG, 'utf8');
    expect(service).toMatch(
      /jwks_uri: !env PS_JWKS_URI # e\.g\. http:\/\/127\.0\.0\.1:3000\/\.well-known\/jwks\.json/,
    );
    expect(service).toContain(`audience: ["${server.config.powersyncJwtAudience}"]`);
    expect(service).toMatch(/storage:\n {2}type: postgresql/);
    expect(service).toMatch(/telemetry:\n {2}disable_telemetry_sharing: true/);
    expect(service).toMatch(/sync_config:\n {2}path: sync-config\.yaml/);
  });
});

// A failure at the edges of the upload's COMMIT, in-process (fault points armed to fail as a full
// disk would; PGlite, or Postgres with TEST_DATABASE_URL): before it nothing is kept, after it the
// retry gets the recorded verdicts — each op applied once either way.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { armFaultPoint, disarmFaultPoints, FAULT_POINTS_ENV } from '../../src/faultPoints';
import { testBackends } from '../../src/testing';
import { useUploadTestDatabase } from './sharedDatabase';
import { type UploadTestApp, uploadTestApp } from './uploadTestApp';

describe.each(testBackends())('a failure at the COMMIT of an upload on %s', (backend) => {
  const database = useUploadTestDatabase(backend);
  let t: UploadTestApp;
  const before = process.env[FAULT_POINTS_ENV];

  beforeAll(async () => {
    process.env[FAULT_POINTS_ENV] = join(mkdtempSync(join(tmpdir(), 'vhd-faults-')), 'trace');
    t = await uploadTestApp(database.db);
  });
  afterEach(() => disarmFaultPoints());
  afterAll(async () => {
    await t?.app.close();
    if (before === undefined) delete process.env[FAULT_POINTS_ENV];
    else process.env[FAULT_POINTS_ENV] = before;
  });

  const upload = (client_id: string, id: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/powersync/upload',
      payload: {
        client_id,
        batch: [{ op_id: 1, op: 'PUT', type: 'schedules', id, data: { notes: 'once' } }],
      },
    });
  const stored = async (id: string) =>
    (await database.db.query('SELECT notes FROM schedules WHERE id = $1', [id])).rows;
  const verdicts = async (clientId: string) =>
    (await database.db.query('SELECT op_id FROM op_verdicts WHERE client_id = $1', [clientId])).rows;

  it('failing just before COMMIT keeps nothing (no row, no verdict); the retry applies it', async () => {
    const clientId = `c-${randomUUID()}`;
    const s = randomUUID();
    armFaultPoint('upload.beforeCommit', 1, 'enospc');
    expect((await upload(clientId, s)).statusCode).toBe(500);
    expect(await stored(s)).toEqual([]);
    expect(await verdicts(clientId)).toEqual([]);
    const retry = await upload(clientId, s);
    expect(retry.json()).toEqual({ applied: [1], rejected: [] });
    expect(await stored(s)).toEqual([{ notes: 'once' }]);
  });

  it('failing just after COMMIT keeps the upload; the retry gets its recorded verdict', async () => {
    const clientId = `c-${randomUUID()}`;
    const s = randomUUID();
    armFaultPoint('upload.afterCommit', 1, 'enospc');
    expect((await upload(clientId, s)).statusCode).toBe(500);
    expect(await stored(s)).toEqual([{ notes: 'once' }]);
    expect(await verdicts(clientId)).toEqual([{ op_id: 1 }]);
    const retry = await upload(clientId, s);
    expect(retry.json()).toEqual({ applied: [1], rejected: [] });
  });
});

// The double against the real client (@powersync/node + the PowerSync core): what a test of the
// engine relies on — data arrives, checksums agree, deletes apply, resume uses `after`, other
// organizations stay out, and a 401 leads to fresh credentials.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPowerSyncDouble, createTestIssuer, type PowerSyncDouble, type TestIssuer } from '../src/index';
import { openTestClient, type TestClient } from './support/nodeClient';

let issuer: TestIssuer;
let double: PowerSyncDouble;
const clients: TestClient[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await double?.close();
});

async function setup(orgId = 'org-a', dir?: string) {
  double ??= await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl, audience: issuer.audience });
  const client = await openTestClient({
    endpoint: () => double.url,
    token: () => issuer.mintToken({ sub: 'user-1', orgId }),
    ...(dir ? { dir } : {}),
  });
  clients.push(client);
  return client;
}

const schedule = (id: string, customer: string, orgId = 'org-a') => ({
  id,
  org_id: orgId,
  customer,
  address: '1 Main St',
  scheduled_at: new Date('2025-01-01T08:00:00Z'), // a timestamptz: sent as the service's text
  status: 'planned',
});

describe('@powersync/node against the double', () => {
  it('syncs initial rows, then live inserts, updates and deletes', async () => {
    double = await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl, audience: issuer.audience });
    double.putRows('org-a', 'schedules', [schedule('s1', 'Ann'), schedule('s2', 'Bob')]);
    double.putRow('org-a', 'invoices', { id: 'i1', org_id: 'org-a', schedule_id: 's1', amount_cents: 4200 });
    await double.replicated(); // rows already on the service when the device connects
    const client = await setup();
    await client.connect();
    await client.caughtUp();
    // The SDK prefers BSON and accepts gzip; the double serves both, as the service does.
    expect(double.streams[0]).toMatchObject({ format: 'bson', gzip: true });
    expect(await client.db.getAll('SELECT id, customer FROM schedules ORDER BY id')).toEqual([
      { id: 's1', customer: 'Ann' },
      { id: 's2', customer: 'Bob' },
    ]);
    // What a phone stores from the real service: Postgres' text, not the ISO a phone writes.
    expect(await client.db.get("SELECT scheduled_at FROM schedules WHERE id = 's1'")).toEqual({
      scheduled_at: '2025-01-01 08:00:00Z',
    });
    expect(await client.db.get('SELECT amount_cents FROM invoices WHERE id = ?', ['i1'])).toEqual({
      amount_cents: 4200,
    });

    const since = new Date();
    double.putRow('org-a', 'schedules', schedule('s3', 'Cy'));
    double.putRow('org-a', 'schedules', schedule('s1', 'Ann Updated'));
    double.deleteRow('org-a', 'schedules', 's2');
    await client.caughtUp(since);
    expect(await client.db.getAll('SELECT id, customer FROM schedules ORDER BY id')).toEqual([
      { id: 's1', customer: 'Ann Updated' },
      { id: 's3', customer: 'Cy' },
    ]);
    expect(double.stats().streamsOpened).toBe(1);
  });

  it('agrees on checksums over many ops (updates, deletes, a wrapping sum) with no download error', async () => {
    double = await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl, maxOpsPerLine: 500 });
    const n = 3_000;
    double.putRows(
      'org-a',
      'schedules',
      Array.from({ length: n }, (_, i) => schedule(`s${i}`, `c${i}`)),
    );
    double.putRows(
      'org-a',
      'schedules',
      Array.from({ length: 100 }, (_, i) => schedule(`s${i}`, `updated${i}`)),
    );
    for (let i = 100; i < 200; i++) double.deleteRow('org-a', 'schedules', `s${i}`);
    await double.replicated();
    const client = await setup();
    await client.connect();
    await client.caughtUp();
    expect(client.db.currentStatus.dataFlowStatus.downloadError).toBeUndefined();
    expect(await client.db.get('SELECT count(*) AS n FROM schedules')).toEqual({ n: n - 100 });
    expect(await client.db.get("SELECT customer FROM schedules WHERE id = 's5'")).toEqual({
      customer: 'updated5',
    });
    // One stream was enough: a checksum mismatch would have made the client drop and re-request the bucket.
    expect(double.stats().streamsOpened).toBe(1);
  });

  it('never receives another organization’s rows', async () => {
    double = await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl });
    double.putRow('org-a', 'schedules', schedule('mine', 'A'));
    double.putRow('org-b', 'schedules', schedule('theirs', 'B', 'org-b'));
    await double.replicated();
    const client = await setup('org-a');
    await client.connect();
    await client.caughtUp();
    const since = new Date();
    double.putRow('org-b', 'schedules', schedule('theirs-2', 'B', 'org-b'));
    double.putRow('org-a', 'schedules', schedule('mine-2', 'A'));
    await client.caughtUp(since);
    expect(await client.db.getAll('SELECT id FROM schedules ORDER BY id')).toEqual([
      { id: 'mine' },
      { id: 'mine-2' },
    ]);
    expect(await client.db.get("SELECT count(*) AS n FROM ps_oplog WHERE row_id LIKE 'theirs%'")).toEqual({
      n: 0,
    });
  });

  it('resumes from the stored position after reconnecting: the double sees `after`', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ps-double-resume-'));
    try {
      double = await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl });
      const ops = double.putRows('org-a', 'schedules', [schedule('s1', 'A'), schedule('s2', 'B')]);
      await double.replicated();
      const first = await setup('org-a', dir);
      await first.connect();
      await first.caughtUp();
      await first.close();
      clients.splice(clients.indexOf(first), 1);

      double.putRow('org-a', 'schedules', schedule('s3', 'C'));
      await double.replicated();
      const second = await setup('org-a', dir);
      const since = new Date();
      await second.connect();
      await second.caughtUp(since);
      expect(double.streams.map((s) => s.requestBuckets)).toEqual([
        [],
        [{ name: double.bucketName('org-a'), after: ops[1] }],
      ]);
      expect(double.streams[1]?.opsSent).toBe(1);
      expect(await second.db.getAll('SELECT id FROM schedules ORDER BY id')).toEqual([
        { id: 's1' },
        { id: 's2' },
        { id: 's3' },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a rejected token (401) leads to one credentials refresh, then success', async () => {
    double = await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl });
    double.putRow('org-a', 'schedules', schedule('s1', 'A'));
    double.setBehaviour({ rejectNextTokens: 1 });
    await double.replicated();
    const client = await setup();
    await client.connect();
    await client.caughtUp();
    expect(double.stats()).toMatchObject({ unauthorized: 1, streamsOpened: 1 });
    expect(client.credentialsFetched()).toBe(2);
    expect(await client.db.getAll('SELECT id FROM schedules')).toEqual([{ id: 's1' }]);
  });

  it('an expiring token: the client gets new credentials, reconnects and keeps syncing', async () => {
    double = await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl });
    let minted = 0;
    const client = await openTestClient({
      endpoint: () => double.url,
      // The first token expires in 2 s (token_expires_in ≤ 30 makes the client refresh at once).
      token: () => issuer.mintToken({ sub: 'user-1', orgId: 'org-a', expiresInS: minted++ === 0 ? 2 : 300 }),
    });
    clients.push(client);
    await client.connect();
    await client.caughtUp();
    await double.waitFor((e) => e.type === 'stream_close', { since: 0, timeoutMs: 5_000 });
    await double.waitFor((e) => e.type === 'stream_open' && e.stream.id === 2, { since: 0 });
    // The second stream may still be finishing its first checkpoint: wait for the row itself.
    double.putRow('org-a', 'schedules', schedule('after-expiry', 'A'));
    await vi.waitFor(
      async () =>
        expect(await client.db.getAll('SELECT id FROM schedules')).toEqual([{ id: 'after-expiry' }]),
      { timeout: 10_000, interval: 50 },
    );
    // The SDK may fetch once more when it reconnects; what matters is no expired token was used.
    expect(client.credentialsFetched()).toBeGreaterThanOrEqual(2);
    expect(double.stats()).toMatchObject({ streamsOpened: 2, streamsOpen: 1, unauthorized: 0 });
  });

  it('applies downloaded data only after the write checkpoint the client asked for', async () => {
    double = await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl });
    const client = await setup();
    await client.connect();
    await client.caughtUp();
    // A local write goes to ps_crud; the no-op uploadData leaves it there until we complete it.
    await client.db.execute('INSERT INTO schedules (id, customer) VALUES (?, ?)', ['local-1', 'L']);
    double.putRow('org-a', 'schedules', schedule('s1', 'A'));
    const batch = await client.db.getNextCrudTransaction();
    await batch?.complete();
    await double.waitFor((e) => e.type === 'write_checkpoint', { since: 0 });
    const since = new Date();
    await client.caughtUp(since);
    expect(await client.db.getAll('SELECT id FROM schedules ORDER BY id')).toEqual([{ id: 's1' }]);
  });
});

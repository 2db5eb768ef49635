// The double's wire protocol, read with a bare HTTP client: line shapes, checksums, resume,
// organization isolation, live rounds, write checkpoints, replication lag, gzip, authentication and
// fault behaviours. Most tests turn the lag off to read shapes; `replication lag` turns it on.
import { deserialize } from 'bson';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  addChecksums,
  createPowerSyncDouble,
  createTestIssuer,
  type PowerSyncDouble,
  type TestIssuer,
} from '../src/index';
import { openStream, type RawStream } from './support/ndjsonClient';

let issuer: TestIssuer;
let otherIssuer: TestIssuer;
let double: PowerSyncDouble;
const open: RawStream[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer();
  otherIssuer = await createTestIssuer();
});
afterAll(async () => {
  await issuer.close();
  await otherIssuer.close();
});
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await double?.close();
});

async function start(options: Partial<Parameters<typeof createPowerSyncDouble>[0]> = {}) {
  double = await createPowerSyncDouble({
    jwksUrl: issuer.jwksUrl,
    audience: issuer.audience,
    replicationLagMs: 0,
    ...options,
  });
  return double;
}

const BUCKET_A = '1#org_data["org-a"]';

async function stream(
  token: string | undefined,
  body: unknown = { buckets: [], client_id: 'c1' },
  headers: Record<string, string> = {},
) {
  const s = await openStream(double.url, token, body, headers);
  open.push(s);
  return s;
}

type Op = {
  op_id: string;
  op: string;
  object_type: string;
  object_id: string;
  data: string | null;
  checksum: number;
};
const dataOps = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => 'data' in l).flatMap((l) => (l.data as { data: Op[] }).data);

describe('sync stream', () => {
  it('serves the token organization’s bucket: checkpoint, data, checkpoint_complete', async () => {
    await start();
    double.putRow('org-a', 'schedules', { id: 's1', org_id: 'org-a', customer: 'Ann' });
    double.putRow('org-b', 'schedules', { id: 's2', org_id: 'org-b', customer: 'Bob' });
    double.putRow('org-a', 'invoices', { id: 'i1', org_id: 'org-a', amount_cents: 1200 });
    const s = await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a' }));
    expect(s.status).toBe(200);
    expect(s.contentType).toBe('application/x-ndjson');
    const lines = await s.until('checkpoint_complete');
    // Like the service: the checkpoint comes first, bucket names carry the sync-config version, and
    // the checkpoint lists the definitions as default streams.
    const checkpoint = lines[0]?.checkpoint as { last_op_id: string; buckets: { checksum: number }[] };
    expect(checkpoint.buckets).toEqual([
      {
        bucket: BUCKET_A,
        checksum: double.bucketState('org-a').checksum,
        count: 2,
        priority: 3,
        subscriptions: [{ default: 0 }],
      },
    ]);
    expect(lines[0]?.checkpoint).toMatchObject({
      streams: [{ name: 'org_data', is_default: true, errors: [] }],
    });
    const ops = dataOps(lines);
    expect(ops.map((o) => [o.op, o.object_type, o.object_id])).toEqual([
      ['PUT', 'schedules', 's1'],
      ['PUT', 'invoices', 'i1'],
    ]);
    expect(JSON.parse(ops[0]?.data as string)).toEqual({ id: 's1', org_id: 'org-a', customer: 'Ann' });
    expect(typeof ops[0]?.op_id).toBe('string');
    expect(ops.reduce((sum, o) => addChecksums(sum, o.checksum), 0)).toBe(checkpoint.buckets[0]?.checksum);
    expect(lines.at(-1)).toEqual({ checkpoint_complete: { last_op_id: checkpoint.last_op_id } });
    expect(JSON.stringify(lines)).not.toContain('org-b');
  });

  it('sends a Date as the service sends a timestamptz: UTC, a space, Postgres’ trimmed fraction, Z', async () => {
    await start();
    double.putRow('org-a', 'schedules', {
      id: 's1',
      scheduled_at: new Date('2026-12-04T19:11:27.590Z'),
      updated_at: new Date('2026-12-04T19:11:27.000Z'),
      notes: '2026-12-04T19:11:27.590Z',
    });
    const lines = await (await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a' }))).until(
      'checkpoint_complete',
    );
    expect(JSON.parse(dataOps(lines)[0]?.data as string)).toEqual({
      id: 's1',
      scheduled_at: '2026-12-04 19:11:27.59Z',
      updated_at: '2026-12-04 19:11:27Z',
      notes: '2026-12-04T19:11:27.590Z', // text stays text
    });
  });

  it('a bucket checksum is the wrapping u32 sum of every op, and resuming sends only later ops', async () => {
    await start();
    const ids = double.putRows(
      'org-a',
      'schedules',
      Array.from({ length: 300 }, (_, i) => ({ id: `s${i}`, customer: `c${i}` })),
    );
    double.deleteRow('org-a', 'schedules', 's7');
    const token = await issuer.mintToken({ sub: 'u1', orgId: 'org-a' });
    const full = await (await stream(token)).until('checkpoint_complete');
    const all = dataOps(full);
    expect(all).toHaveLength(301);
    const sum = all.reduce((acc, o) => addChecksums(acc, o.checksum), 0);
    const plain = all.reduce((acc, o) => acc + o.checksum, 0);
    expect(plain).toBeGreaterThan(2 ** 32); // the sum wraps
    expect(sum).toBe(double.bucketState('org-a').checksum);
    expect(all.at(-1)).toMatchObject({ op: 'REMOVE', object_id: 's7', data: null });

    const after = ids[199] as string;
    const resumed = await (
      await stream(token, { buckets: [{ name: BUCKET_A, after }], client_id: 'c1' })
    ).until('checkpoint_complete');
    const later = dataOps(resumed);
    expect(later.map((o) => o.op_id)).toEqual(all.slice(200).map((o) => o.op_id));
    expect(resumed.find((l) => 'checkpoint' in l)).toMatchObject({
      checkpoint: { buckets: [{ checksum: sum, count: 301 }] },
    });
    expect(resumed.find((l) => 'data' in l)).toMatchObject({ data: { after } });
    expect(double.streams.at(-1)?.requestBuckets).toEqual([{ name: BUCKET_A, after }]);
  });

  it('splits ops over data lines with has_more and next_after', async () => {
    await start({ maxOpsPerLine: 2 });
    double.putRows('org-a', 'schedules', [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const lines = await (await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a' }))).until(
      'checkpoint_complete',
    );
    const data = lines.filter((l) => 'data' in l).map((l) => l.data as Record<string, unknown>);
    expect(data.map((d) => [d.after, d.next_after, d.has_more])).toEqual([
      ['0', '2', true],
      ['2', '3', false],
    ]);
  });

  it('sends live changes of the organization as checkpoint_diff rounds, deletes as REMOVE', async () => {
    await start();
    double.putRow('org-a', 'schedules', { id: 's1' });
    const s = await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a' }));
    await s.until('checkpoint_complete');
    double.putRow('org-b', 'schedules', { id: 'other' });
    double.putRow('org-a', 'schedules', { id: 's2' });
    double.deleteRow('org-a', 'schedules', 's1');
    const round = await s.until('checkpoint_complete');
    expect(round[0]).toEqual({
      checkpoint_diff: {
        last_op_id: expect.any(String),
        updated_buckets: [
          {
            bucket: BUCKET_A,
            checksum: double.bucketState('org-a').checksum,
            count: 3,
            priority: 3,
            subscriptions: [{ default: 0 }],
          },
        ],
        removed_buckets: [],
      },
    });
    expect(dataOps(round).map((o) => [o.op, o.object_id])).toEqual([
      ['PUT', 's2'],
      ['REMOVE', 's1'],
    ]);
    expect(double.rows('org-a').map((r) => r.id)).toEqual(['s2']);
    expect(double.deleteRow('org-a', 'schedules', 'never')).toBeUndefined();
  });

  it('echoes a write checkpoint in the next checkpoint line of the same user and client', async () => {
    await start();
    const token = await issuer.mintToken({ sub: 'u1', orgId: 'org-a' });
    const s = await stream(token);
    const other = await stream(await issuer.mintToken({ sub: 'u2', orgId: 'org-a' }));
    await s.until('checkpoint_complete');
    await other.until('checkpoint_complete');
    const res = await fetch(`${double.url}/write-checkpoint2.json?client_id=c1`, {
      headers: { authorization: `Token ${token}` },
    });
    expect(await res.json()).toEqual({ data: { write_checkpoint: '1' } });
    const round = await s.until('checkpoint_complete');
    expect(round[0]).toMatchObject({ checkpoint_diff: { write_checkpoint: '1', updated_buckets: [] } });
    const fresh = await (await stream(token)).until('checkpoint_complete');
    expect(fresh.find((l) => 'checkpoint' in l)).toMatchObject({ checkpoint: { write_checkpoint: '1' } });
    await expect(other.next(300)).rejects.toThrow(/no line/);
  });

  it('answers write-checkpoint2 without client_id (200, like the service): streams without a client id see it', async () => {
    await start();
    const token = await issuer.mintToken({ sub: 'u1', orgId: 'org-a' });
    const s = await stream(token, { buckets: [] });
    await s.until('checkpoint_complete');
    const res = await fetch(`${double.url}/write-checkpoint2.json`, {
      headers: { authorization: `Token ${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { write_checkpoint: '1' } });
    expect((await s.until('checkpoint_complete'))[0]).toMatchObject({
      checkpoint_diff: { write_checkpoint: '1' },
    });
  });

  it('serves BSON documents when the client prefers them (the SDK does): the same lines', async () => {
    await start();
    double.putRow('org-a', 'schedules', { id: 's1', customer: 'Ann' });
    const token = await issuer.mintToken({ sub: 'u1', orgId: 'org-a' });
    const abort = new AbortController();
    const res = await fetch(`${double.url}/sync/stream`, {
      method: 'POST',
      headers: {
        authorization: `Token ${token}`,
        'content-type': 'application/json',
        accept: 'application/vnd.powersync.bson-stream;q=0.9,application/x-ndjson;q=0.8',
        'accept-encoding': 'identity',
      },
      body: JSON.stringify({ buckets: [], client_id: 'c1' }),
      signal: abort.signal,
    });
    expect(res.headers.get('content-type')).toBe('application/vnd.powersync.bson-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let buffer = Buffer.alloc(0);
    const docs: Record<string, unknown>[] = [];
    while (!docs.some((d) => 'checkpoint_complete' in d)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer = Buffer.concat([buffer, value]);
      // Concatenated documents, each prefixed with its int32 length.
      while (buffer.length >= 4 && buffer.length >= buffer.readInt32LE(0)) {
        const size = buffer.readInt32LE(0);
        docs.push(deserialize(buffer.subarray(0, size)));
        buffer = buffer.subarray(size);
      }
    }
    abort.abort();
    expect(Object.keys(docs[0] ?? {})).toEqual(['checkpoint']);
    expect(dataOps(docs)).toMatchObject([
      { op: 'PUT', object_id: 's1', data: '{"id":"s1","customer":"Ann"}' },
    ]);
    expect(double.streams[0]?.format).toBe('bson');
  });

  it('gzips the stream when the client accepts gzip (the SDK does), plain text otherwise', async () => {
    await start();
    double.putRow('org-a', 'schedules', { id: 's1' });
    const token = await issuer.mintToken({ sub: 'u1', orgId: 'org-a' });
    const zipped = await stream(token, undefined, { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.contentEncoding).toBe('gzip');
    expect(dataOps(await zipped.until('checkpoint_complete')).map((o) => o.object_id)).toEqual(['s1']);
    // Each line is flushed: a live change arrives while the stream stays open.
    double.putRow('org-a', 'schedules', { id: 's2' });
    expect(dataOps(await zipped.until('checkpoint_complete')).map((o) => o.object_id)).toEqual(['s2']);
    const plain = await stream(token, undefined, { 'accept-encoding': 'identity' });
    expect(plain.contentEncoding).toBeNull();
    expect(dataOps(await plain.until('checkpoint_complete'))).toHaveLength(2);
    expect(double.streams.map((i) => i.gzip)).toEqual([true, false]);
  });

  it('serves no bucket to a token without org_id', async () => {
    await start();
    double.putRow('org-a', 'schedules', { id: 's1' });
    const lines = await (await stream(await issuer.mintToken({ sub: 'u1' }))).until('checkpoint_complete');
    expect(lines[0]).toMatchObject({ checkpoint: { buckets: [] } });
    expect(dataOps(lines)).toEqual([]);
  });

  it('sends token_expires_in keep-alives on an idle stream', async () => {
    double = await createPowerSyncDouble({ jwksUrl: issuer.jwksUrl, keepAliveMs: 50 });
    const s = await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a', expiresInS: 120 }));
    await s.until('checkpoint_complete');
    const keepAlive = (await s.next(2_000)) as { token_expires_in: number };
    expect(keepAlive.token_expires_in).toBeGreaterThan(100);
    expect(keepAlive.token_expires_in).toBeLessThanOrEqual(120);
  });

  it('warns in the token’s last 20 s, then ends the stream at expiry with token_expires_in 0', async () => {
    await start();
    const s = await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a', expiresInS: 21 }));
    const lines = await s.until('checkpoint_complete');
    expect(Object.keys(lines[0] ?? {})).toEqual(['checkpoint']);
    const warning = (await s.next(3_000)) as { token_expires_in: number };
    expect(warning.token_expires_in).toBeGreaterThan(0);
    expect(warning.token_expires_in).toBeLessThanOrEqual(20);
    s.close();

    const short = await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a', expiresInS: 1 }));
    await short.until('checkpoint_complete');
    expect(await short.next(3_000)).toEqual({ token_expires_in: 0 });
    await double.waitFor((e) => e.type === 'stream_close', { since: 0 });
    expect(double.streams.at(-1)?.closedBy).toBe('server');
  });
});

describe('replication lag', () => {
  it('changes reach streams only after the lag, in order; a write checkpoint never overtakes earlier writes', async () => {
    await start({ replicationLagMs: 150 });
    const token = await issuer.mintToken({ sub: 'u1', orgId: 'org-a' });
    const s = await stream(token);
    expect((await s.until('checkpoint_complete'))[0]).toMatchObject({
      checkpoint: { buckets: [{ count: 0 }] },
    });
    const putAt = Date.now();
    double.putRow('org-a', 'schedules', { id: 's1' });
    // The write checkpoint is asked for after the write: it must arrive with it or after it.
    const res = await fetch(`${double.url}/write-checkpoint2.json?client_id=c1`, {
      headers: { authorization: `Token ${token}` },
    });
    expect(await res.json()).toEqual({ data: { write_checkpoint: '1' } });
    const seen: Record<string, unknown>[] = [];
    while (!seen.some((l) => JSON.stringify(l).includes('"write_checkpoint":"1"'))) {
      seen.push(...(await s.until('checkpoint_complete')));
    }
    expect(Date.now() - putAt).toBeGreaterThanOrEqual(140);
    const wcAt = seen.findIndex((l) => JSON.stringify(l).includes('"write_checkpoint":"1"'));
    const rowAt = seen.findIndex((l) => dataOps([l]).some((o) => o.object_id === 's1'));
    expect(rowAt).toBeGreaterThanOrEqual(0);
    expect(rowAt).toBeLessThan(seen.findIndex((l, i) => i >= wcAt && 'checkpoint_complete' in l));
  });

  it('a stream opened during the lag starts from what was replicated; replicated() waits for the rest', async () => {
    await start({ replicationLagMs: { min: 100, max: 200 } });
    double.putRow('org-a', 'schedules', { id: 's1' });
    const first = await (await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a' }))).until(
      'checkpoint_complete',
    );
    expect(dataOps(first)).toEqual([]);
    await double.replicated();
    const second = await (await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a' }))).until(
      'checkpoint_complete',
    );
    expect(dataOps(second).map((o) => o.object_id)).toEqual(['s1']);
    // rows() is the source side (what a replicator diffs against), not what streams have seen.
    expect(double.rows('org-a').map((r) => r.id)).toEqual(['s1']);
  });
});

describe('authentication', () => {
  it('answers 401 to a missing, foreign, wrong-audience or kid-less token, and records each', async () => {
    await start();
    const { SignJWT, generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('RS256');
    const noKid = await new SignJWT({ org_id: 'org-a' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('u1')
      .setAudience(issuer.audience)
      .setExpirationTime('5m')
      .sign(privateKey);
    const tokens = [
      undefined,
      'not-a-jwt',
      await otherIssuer.mintToken({ sub: 'u1', orgId: 'org-a' }),
      await issuer.mintToken({ sub: 'u1', orgId: 'org-a', audience: 'someone-else' }),
      await issuer.mintToken({ sub: 'u1', orgId: 'org-a', expiresInS: -60 }),
      noKid,
    ];
    for (const token of tokens) expect((await stream(token)).status).toBe(401);
    const wc = await fetch(`${double.url}/write-checkpoint2.json?client_id=c1`, {
      headers: { authorization: 'Token nope' },
    });
    expect(wc.status).toBe(401);
    expect(double.stats()).toMatchObject({ unauthorized: 7, streamsOpened: 0 });
    expect(
      double.events.filter((e) => e.type === 'unauthorized').map((e) => 'reason' in e && e.reason),
    ).toEqual([
      expect.stringMatching(/missing/),
      expect.stringMatching(/malformed/),
      expect.stringMatching(/signature|no applicable key/i),
      expect.stringMatching(/aud/),
      expect.stringMatching(/exp/),
      expect.stringMatching(/kid/),
      expect.stringMatching(/malformed/),
    ]);
  });

  it('rejectNextTokens refuses that many valid tokens, then accepts', async () => {
    await start();
    double.setBehaviour({ rejectNextTokens: 1 });
    const token = await issuer.mintToken({ sub: 'u1', orgId: 'org-a' });
    expect((await stream(token)).status).toBe(401);
    expect((await stream(token)).status).toBe(200);
    expect(double.behaviour.rejectNextTokens).toBe(0);
  });
});

describe('faults and stream events', () => {
  it('stallAfterLines leaves the stream open and silent; the client closing it is recorded', async () => {
    await start();
    double.putRow('org-a', 'schedules', { id: 's1' });
    double.setBehaviour({ stallAfterLines: 1 });
    const s = await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a' }));
    expect(Object.keys(await s.next())).toEqual(['checkpoint']);
    await double.waitFor((e) => e.type === 'stream_stalled', { since: 0 });
    double.putRow('org-a', 'schedules', { id: 's2' });
    await expect(s.next(300)).rejects.toThrow(/no line/);
    expect(double.stats().streamsOpen).toBe(1);
    s.close();
    const closed = await double.waitFor((e) => e.type === 'stream_close', { since: 0 });
    expect(closed).toMatchObject({ stream: { closedBy: 'client', stalled: true } });
    expect(double.stats().streamsOpen).toBe(0);
  });

  it('failStreamsWith answers that status instead of a stream', async () => {
    await start();
    double.setBehaviour({ failStreamsWith: 503 });
    expect((await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a' }))).status).toBe(503);
    expect(double.events.map((e) => e.type)).toEqual(['stream_refused']);
  });

  it('endStreams ends open streams from the double’s side', async () => {
    await start();
    const s = await stream(await issuer.mintToken({ sub: 'u1', orgId: 'org-a' }));
    await s.until('checkpoint_complete');
    double.endStreams();
    await double.waitFor((e) => e.type === 'stream_close', { since: 0 });
    expect(double.streams[0]?.closedBy).toBe('server');
  });

  it('refuses a row without an id', async () => {
    await start();
    expect(() => double.putRow('org-a', 'schedules', { id: '' })).toThrow(/non-empty string id/);
  });
});

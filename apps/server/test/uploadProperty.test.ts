// Property: whatever JSON a client posts to the CRUD upload, the server never answers 5xx, keeps
// serving, and answers every op of a well-formed envelope exactly once. Replay a failure with
// FC_SEED=<seed printed below>.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { call, OpLog, uploadOk, uuid } from './support/http';

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
// Modest for CI; FC_RUNS=1000 for a deeper local search.
const RUNS = Number(process.env.FC_RUNS ?? 60);

const ids = [uuid(), uuid(), uuid()];
/** Strings with what breaks naive code: NUL, lone surrogates, quotes, prototype member names. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '\u0000', '\ud83d', '\ude00', '"', '\n', '\\'), maxLength: 8 }),
  fc.constantFrom('toString', 'constructor', 'valueOf', 'hasOwnProperty', 'schedules\u0000', ''),
);
const anyJson = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
const column = fc.constantFrom(
  'customer',
  'status',
  'notes',
  'scheduled_at',
  'schedule_id',
  'amount_cents',
  'kind',
  'width',
  'bytes',
  'number',
  'org_id',
  'id',
  'cloudinary_url',
  'cloudinary_public_id',
);
const value = fc.oneof(
  anyJson,
  nasty,
  fc.integer(),
  fc.constantFrom(...ids, 'scheduled', 'draft', 'before', '2025-01-01T00:00:00Z', -1, 0, 2 ** 31, null),
);
const data = fc.oneof(fc.dictionary(fc.oneof(column, nasty), value, { maxKeys: 4 }), anyJson);
const op = fc.record(
  {
    op: fc.oneof(fc.constantFrom('PUT', 'PATCH', 'DELETE'), anyJson),
    type: fc.oneof(fc.constantFrom('schedules', 'invoices', 'photos', 'users'), nasty, anyJson),
    id: fc.oneof(fc.constantFrom(...ids), anyJson),
    tx_id: fc.oneof(fc.integer({ min: 1, max: 4 }), anyJson),
    data,
    old: data,
  },
  { requiredKeys: [] },
);
/** A well-formed envelope: unique op_ids, any op contents. */
const envelope = fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), op), { maxLength: 12 }).map((ops) => {
  let opId = 0;
  return ops.map(([gap, o]) => {
    opId += gap;
    return { ...o, op_id: opId };
  });
});

/** Keys Fastify's JSON parser refuses (prototype poisoning) with a 400 for the whole body. */
function poisoned(value: unknown): boolean {
  const pending = [value];
  for (let v = pending.pop(); v !== undefined; v = pending.pop()) {
    if (typeof v !== 'object' || v === null) continue;
    if (Object.hasOwn(v, '__proto__')) return true;
    const ctor = (v as Record<string, unknown>).constructor;
    if (Object.hasOwn(v, 'constructor') && typeof ctor === 'object' && ctor !== null && 'prototype' in ctor)
      return true;
    pending.push(...Object.values(v));
  }
  return false;
}

describe.each(testBackends())('CRUD upload under arbitrary JSON on %s', (backend) => {
  let server: TestServer;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer({ backend });
    token = await server.mintToken({ orgId: `org_${uuid().slice(0, 8)}` });
    // A stored schedule, so generated ops can also reach the database and its constraints.
    const log = new OpLog();
    await uploadOk(server, token, log.clientId, [log.put('schedules', ids[0]!, {})]);
    console.log(`[${backend}] fast-check seed ${seed} (replay: FC_SEED=${seed})`);
  });
  afterAll(() => server?.close());

  const post = (body: unknown) => call(server, 'POST', '/api/powersync/upload', { token, body });

  it('answers every op of a well-formed envelope exactly once (or 400 for a poisoned body), never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(envelope, fc.boolean(), async (batch, sameClient) => {
        const clientId = sameClient ? 'property-client' : `property-${uuid()}`;
        const res = await post({ client_id: clientId, batch });
        if (poisoned(batch)) {
          expect(res.status).toBe(400);
          return;
        }
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const answered = [...res.body.applied, ...res.body.rejected.map((r: { op_id: number }) => r.op_id)];
        expect(answered.sort((a, b) => a - b)).toEqual(batch.map((o) => o.op_id));
      }),
      { seed, numRuns: RUNS },
    );
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  }, 120_000);

  it('answers any JSON body below 500 and keeps serving', async () => {
    const body = fc.oneof(
      anyJson,
      fc.record({ client_id: fc.oneof(nasty, anyJson), batch: fc.oneof(envelope, anyJson) }),
      fc.record({ client_id: nasty, batch: fc.array(fc.record({ op_id: anyJson }), { maxLength: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await post(b);
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
      }),
      { seed, numRuns: RUNS },
    );
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  }, 120_000);
});

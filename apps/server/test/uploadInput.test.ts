// Hostile input to the CRUD upload: every op still gets one verdict of ours, never a 5xx, and no
// database text or raw client text ends up in a message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { call, OpLog, row, upload, uploadOk, uuid } from './support/http';

describe.each(testBackends())('CRUD upload input on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server?.close());

  const session = () => server.mintToken({ orgId: `org_${uuid().slice(0, 8)}` });

  async function storedMessages(clientId: string): Promise<string[]> {
    const { rows } = await server.db.query<{ message: string }>(
      'SELECT message FROM op_verdicts WHERE client_id = $1 AND message IS NOT NULL ORDER BY op_id',
      [clientId],
    );
    return rows.map((r) => r.message);
  }

  it('looks client-named columns up as own keys: Object.prototype members are unknown columns', async () => {
    const token = await session();
    const log = new OpLog();
    const s = uuid();
    await uploadOk(server, token, log.clientId, [log.put('schedules', s, { customer: 'kept' })]);
    const names = ['toString', 'constructor', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
    const answer = await uploadOk(server, token, log.clientId, [
      ...names.map((name) => log.patch('schedules', s, { [name]: 'x' })),
      log.put('invoices', uuid(), { schedule_id: s, toString: 'x' }),
    ]);
    expect(answer.applied).toEqual([]);
    expect(answer.rejected.map((r) => r.code)).toEqual(Array(names.length + 1).fill('unknown_column'));
    expect(answer.rejected[0]?.message).toBe('schedules has no column "toString"');
    expect(await row(server, 'schedules', s)).toMatchObject({ customer: 'kept' });
  });

  it('rejects an op holding NUL or an unpaired surrogate anywhere as invalid, applies the rest, and answers a retry the same', async () => {
    const token = await session();
    const log = new OpLog();
    const good = uuid();
    const batch = [
      log.put('schedules\u0000', uuid(), { customer: 'bad table' }),
      log.put('schedules', uuid(), { status: 'scheduled\u0000' }),
      log.put('schedules', uuid(), { customer: 'nul \u0000 inside' }),
      log.put('schedules', uuid(), { 'cust\u0000omer': 'bad key' }),
      log.put('schedules', uuid(), { notes: 'half an emoji \ud83d' }),
      log.put('schedules', good, { customer: 'fine', notes: 'a whole emoji \ud83d\ude00' }),
      log.patch('invoices', uuid(), { status: 'sent' }, { status: 'draft\u0000' }),
    ];
    const first = await upload(server, token, log.clientId, batch);
    expect(first.status).toBe(200);
    expect(first.body.applied).toEqual([6]);
    expect(first.body.rejected.map((r: { code: string }) => r.code)).toEqual(Array(6).fill('invalid'));
    for (const { message } of first.body.rejected) {
      expect(message).toMatch(/cannot store/);
      expect(message.includes('\u0000')).toBe(false);
      expect(message).not.toMatch(/[\ud800-\udfff]/);
    }
    expect(await row(server, 'schedules', good)).toMatchObject({ notes: 'a whole emoji \ud83d\ude00' });
    const retry = await upload(server, token, log.clientId, batch);
    expect(retry).toMatchObject({ status: 200, body: first.body });
    expect(await storedMessages(log.clientId)).toEqual(
      first.body.rejected.map((r: { message: string }) => r.message),
    );

    // The envelope's own strings are the request's: a 400, and nothing recorded.
    for (const clientId of ['client\u0000', 'client\udc00']) {
      const res = await call(server, 'POST', '/api/powersync/upload', {
        token,
        body: { client_id: clientId, batch: [log.put('schedules', uuid(), {})] },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(/client_id/),
      });
    }
  });

  it('quotes client text in messages, escaped and shortened', async () => {
    const token = await session();
    const log = new OpLog();
    const answer = await uploadOk(server, token, log.clientId, [
      log.put(`users\n${'x'.repeat(500)}`, uuid(), {}),
      log.put('schedules', uuid(), { status: `"done"\n${'y'.repeat(500)}` }),
    ]);
    expect(answer.rejected.map((r) => r.code)).toEqual(['unknown_table', 'invalid']);
    for (const { message } of answer.rejected) {
      expect(message).not.toContain('\n');
      expect(message.length).toBeLessThan(200);
    }
    expect(answer.rejected[0]?.message).toMatch(/^"users\\nxxx/);
  });

  it('answers constraint violations in its own words; the database text stays in the server log', async () => {
    const token = await session();
    const log = new OpLog();
    const s = uuid();
    await uploadOk(server, token, log.clientId, [log.put('schedules', s, {})]);
    const answer = await uploadOk(server, token, log.clientId, [
      log.put('invoices', uuid(), { schedule_id: s, amount_cents: -1 }),
      log.put('photos', uuid(), { schedule_id: s, kind: 'before', width: 0 }),
      log.put('photos', uuid(), { schedule_id: uuid(), kind: 'after' }),
      log.put('schedules', uuid(), { scheduled_at: '0000-01-01T00:00:00Z' }),
      log.put('schedules', uuid(), { customer: 'applied' }),
    ]);
    expect(answer.applied).toEqual([6]);
    expect(answer.rejected).toEqual([
      { op_id: 2, code: 'constraint', message: 'amount_cents must not be negative' },
      { op_id: 3, code: 'constraint', message: 'width must be positive' },
      { op_id: 4, code: 'constraint', message: 'schedule_id refers to a schedule that does not exist' },
      { op_id: 5, code: 'invalid', message: expect.stringMatching(/scheduled_at/) },
    ]);
    const leaks = /Failing row|violates|_check|_fkey|relation|Key \(/;
    for (const message of await storedMessages(log.clientId)) expect(message).not.toMatch(leaks);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhotoConfirmationVerifier } from '../src/crudApply/photoConfirmations';
import { forgetSettledVerdicts } from '../src/crudApply/verdictRetention';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { call, newOrg, OpLog, row, upload, uploadOk, uuid } from './support/http';

describe.each(testBackends())('POST /api/powersync/upload on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server?.close());

  it('applies a batch and answers every op_id exactly once; rows get org_id and a server updated_at', async () => {
    const { orgId, token } = await newOrg(server);
    const log = new OpLog();
    const s = uuid();
    const before = Date.now();
    const batch = [
      log.put('schedules', s, {
        customer: 'Diner',
        status: 'scheduled',
        scheduled_at: '2025-03-01T09:00:00Z',
        updated_at: '1999-01-01T00:00:00Z',
      }),
      log.put('invoices', uuid(), { schedule_id: s, amount_cents: 12_500.0, status: 'draft' }),
    ];
    expect(await uploadOk(server, token, log.clientId, batch)).toEqual({ applied: [1, 2], rejected: [] });
    const stored = await row(server, 'schedules', s);
    expect(stored).toMatchObject({
      org_id: orgId,
      customer: 'Diner',
      scheduled_at: '2025-03-01T09:00:00.000Z',
    });
    expect(Date.parse(stored?.updated_at as string)).toBeGreaterThanOrEqual(before - 1000);
    expect((await server.db.query('SELECT id FROM organizations WHERE id = $1', [orgId])).rows).toHaveLength(
      1,
    );
  });

  it("replays a batch with its recorded verdicts and keeps another device's later write", async () => {
    const { token } = await newOrg(server);
    const deviceA = new OpLog();
    const deviceB = new OpLog();
    const s = uuid();
    const batchA = [
      deviceA.put('schedules', s, { customer: 'from A', status: 'scheduled' }),
      deviceA.put('schedules', uuid(), { status: 'bogus' }),
      deviceA.patch('schedules', s, { notes: 'A notes' }),
    ];
    const first = await uploadOk(server, token, deviceA.clientId, batchA);
    expect(first.applied).toEqual([1, 3]);
    expect(first.rejected).toEqual([
      { op_id: 2, code: 'invalid', message: expect.stringContaining('status') },
    ]);

    await uploadOk(server, token, deviceB.clientId, [deviceB.patch('schedules', s, { customer: 'from B' })]);
    const replay = await uploadOk(server, token, deviceA.clientId, batchA);
    expect(replay).toEqual(first);
    expect(await row(server, 'schedules', s)).toMatchObject({ customer: 'from B', notes: 'A notes' });

    // A partly new batch: the known ops are repeated, the new one applied.
    const more = [...batchA, deviceA.patch('schedules', s, { notes: 'A again' })];
    expect(await uploadOk(server, token, deviceA.clientId, more)).toEqual({
      applied: [1, 3, 4],
      rejected: first.rejected,
    });
    expect(await row(server, 'schedules', s)).toMatchObject({ customer: 'from B', notes: 'A again' });
  });

  it('keeps settled verdicts as an audit log for the retention period; a job off the request path forgets them', async () => {
    const { token } = await newOrg(server);
    const log = new OpLog();
    const s = uuid();
    await uploadOk(server, token, log.clientId, [log.put('schedules', s, { status: 'scheduled' })]);
    await uploadOk(server, token, log.clientId, [log.patch('schedules', s, { notes: 'second' })]);
    const ids = async () =>
      (
        await server.db.query<{ op_id: number }>(
          'SELECT op_id FROM op_verdicts WHERE client_id = $1 ORDER BY op_id',
          [log.clientId],
        )
      ).rows.map((r) => r.op_id);
    expect(await ids()).toEqual([1, 2]);

    const retention = server.config.verdictRetentionDays;
    const age = (days: number) =>
      server.db.query(
        `UPDATE op_verdicts SET applied_at = now() - make_interval(days => $2) WHERE client_id = $1`,
        [log.clientId, days],
      );
    await age(retention + 1);
    // Uploads no longer delete anything: their cost does not depend on the client's history.
    const statements: string[] = [];
    const stop = server.db.onStatement((sql) => statements.push(sql));
    await uploadOk(server, token, log.clientId, [log.patch('schedules', s, { notes: 'third' })]);
    stop();
    expect(statements.filter((sql) => /DELETE FROM op_verdicts/i.test(sql))).toEqual([]);
    expect(await ids()).toEqual([1, 2, 3]);

    // Old but not settled (the latest batch started at op 3): kept. Settled and recent: kept.
    await age(retention + 1);
    await server.db.query(`UPDATE op_verdicts SET applied_at = now() WHERE client_id = $1 AND op_id = 2`, [
      log.clientId,
    ]);
    await forgetSettledVerdicts(server.db, retention);
    expect(await ids()).toEqual([2, 3]);
    // A retry of the latest batch still gets its recorded verdict.
    expect(
      await uploadOk(server, token, log.clientId, [{ ...log.patch('schedules', s, {}), op_id: 3 }]),
    ).toEqual({
      applied: [3],
      rejected: [],
    });
  });

  it('keeps, however old, the verdicts of a batch that repeated them: the client may send them again', async () => {
    const { token } = await newOrg(server);
    const log = new OpLog();
    const s = uuid();
    const first = [log.put('schedules', s, {}), log.patch('schedules', s, { notes: 'one' })];
    await uploadOk(server, token, log.clientId, first);
    // The answer was lost: the retry repeats ops 1–2 and adds op 3.
    await uploadOk(server, token, log.clientId, [...first, log.patch('schedules', s, { notes: 'two' })]);
    await server.db.query(
      `UPDATE op_verdicts SET applied_at = now() - make_interval(days => $2) WHERE client_id = $1`,
      [log.clientId, server.config.verdictRetentionDays + 1],
    );
    await forgetSettledVerdicts(server.db, server.config.verdictRetentionDays);
    const { rows } = await server.db.query<{ op_id: number }>(
      'SELECT op_id FROM op_verdicts WHERE client_id = $1 ORDER BY op_id',
      [log.clientId],
    );
    expect(rows.map((r) => r.op_id)).toEqual([1, 2, 3]);
  });

  it('rejects exactly the invalid op in its own transaction, and all three ops of a transaction holding one', async () => {
    const { token } = await newOrg(server);
    const log = new OpLog();
    const [a, b, c] = [uuid(), uuid(), uuid()];
    const alone = await uploadOk(server, token, log.clientId, [
      log.put('schedules', a, { customer: 'ok 1' }),
      log.put('schedules', uuid(), { customer: 'bad', frobnicate: 1 }),
      log.put('schedules', b, { customer: 'ok 2' }),
    ]);
    expect(alone.applied).toEqual([1, 3]);
    expect(alone.rejected).toEqual([
      { op_id: 2, code: 'unknown_column', message: expect.stringContaining('frobnicate') },
    ]);

    const tx = log.tx(
      { op: 'PUT', type: 'schedules', id: c, data: { customer: 'in tx' } },
      { op: 'PUT', type: 'invoices', id: uuid(), data: { schedule_id: c, amount_cents: 'lots' } },
      { op: 'PATCH', type: 'schedules', id: a, data: { notes: 'in tx' } },
    );
    const together = await uploadOk(server, token, log.clientId, tx);
    expect(together.applied).toEqual([]);
    expect(together.rejected.map((r) => [r.op_id, r.code])).toEqual([
      [4, 'tx_rejected'],
      [5, 'invalid'],
      [6, 'tx_rejected'],
    ]);
    expect(together.rejected[0]?.message).toMatch(/op 5 .*invalid/);
    expect(await row(server, 'schedules', c)).toBeUndefined();
    expect((await row(server, 'schedules', a))?.notes).toBeNull();
  });

  it('folds ops on one row in op order: PATCH→PUT replaces, DELETE→PUT re-creates, PATCH+PATCH merge', async () => {
    const { token } = await newOrg(server);
    const log = new OpLog();
    const [p, d, m, gone] = [uuid(), uuid(), uuid(), uuid()];
    const photo = uuid();
    await uploadOk(server, token, log.clientId, [
      log.put('schedules', p, { customer: 'p0', notes: 'keep?' }),
      log.put('schedules', d, { customer: 'd0', notes: 'old' }),
      log.put('schedules', m, { customer: 'm0', notes: 'n0', address: 'a0' }),
      log.put('photos', photo, { schedule_id: d, kind: 'before' }),
    ]);
    const answer = await uploadOk(server, token, log.clientId, [
      log.patch('schedules', p, { notes: 'patched' }),
      log.put('schedules', p, { customer: 'p1' }),
      log.delete('schedules', d),
      log.put('schedules', d, { customer: 'd1' }),
      log.patch('schedules', m, { customer: 'm1' }),
      log.patch('schedules', m, { notes: 'n1' }),
      log.put('schedules', gone, { customer: 'never stored' }),
      log.delete('schedules', gone),
    ]);
    expect(answer).toEqual({ applied: [5, 6, 7, 8, 9, 10, 11, 12], rejected: [] });
    expect(await row(server, 'schedules', p)).toMatchObject({
      customer: 'p1',
      notes: null,
      status: 'scheduled',
    });
    expect(await row(server, 'schedules', d)).toMatchObject({ customer: 'd1', notes: null });
    // The DELETE came first, so the schedule's photo went with it.
    expect(await row(server, 'photos', photo)).toBeUndefined();
    expect(await row(server, 'schedules', m)).toMatchObject({ customer: 'm1', notes: 'n1', address: 'a0' });
    expect(await row(server, 'schedules', gone)).toBeUndefined();
  });

  it('follows cascades in op order: a photo moved off a schedule survives its deletion, a later patch of a cascaded photo is not_found', async () => {
    const { token } = await newOrg(server);
    const log = new OpLog();
    const [s1, s2, s3, moved, cascaded] = [uuid(), uuid(), uuid(), uuid(), uuid()];
    await uploadOk(server, token, log.clientId, [
      log.put('schedules', s1, {}),
      log.put('schedules', s2, {}),
      log.put('schedules', s3, {}),
      log.put('photos', moved, { schedule_id: s1, kind: 'before' }),
      log.put('photos', cascaded, { schedule_id: s3, kind: 'before' }),
    ]);
    const answer = await uploadOk(server, token, log.clientId, [
      log.patch('photos', moved, { schedule_id: s2 }),
      log.delete('schedules', s1),
      log.delete('schedules', s3),
      log.patch('photos', cascaded, { width: 10 }),
    ]);
    expect(answer.applied).toEqual([6, 7, 8]);
    expect(answer.rejected).toEqual([{ op_id: 9, code: 'not_found', message: expect.any(String) }]);
    expect(await row(server, 'photos', moved)).toMatchObject({ schedule_id: s2 });
    expect(await row(server, 'photos', cascaded)).toBeUndefined();
  });

  it('rejects a unique violation as constraint (200), applying every other op', async () => {
    const { token } = await newOrg(server);
    await server.db.query(
      "CREATE UNIQUE INDEX IF NOT EXISTS test_unique_customer ON schedules (org_id, customer) WHERE customer LIKE 'unique:%'",
    );
    const log = new OpLog();
    const [a, b, c] = [uuid(), uuid(), uuid()];
    const answer = await uploadOk(server, token, log.clientId, [
      log.put('schedules', a, { customer: 'unique:1' }),
      log.put('schedules', b, { customer: 'unique:1' }),
      log.put('schedules', c, { customer: 'unique:2' }),
      log.put('invoices', uuid(), { schedule_id: c, amount_cents: 100 }),
    ]);
    expect(answer.applied).toEqual([1, 3, 4]);
    expect(answer.rejected).toEqual([
      { op_id: 2, code: 'constraint', message: 'another row already has this value (unique constraint)' },
    ]);
    expect(await row(server, 'schedules', b)).toBeUndefined();
    expect(await row(server, 'schedules', c)).toMatchObject({ customer: 'unique:2' });
  });

  it('rejects foreign-key and check violations as constraint, with their transaction', async () => {
    const { token } = await newOrg(server);
    const log = new OpLog();
    const s = uuid();
    const answer = await uploadOk(server, token, log.clientId, [
      log.put('invoices', uuid(), { schedule_id: uuid(), amount_cents: 1 }),
      ...log.tx(
        { op: 'PUT', type: 'schedules', id: s, data: { customer: 'tx' } },
        { op: 'PUT', type: 'invoices', id: uuid(), data: { schedule_id: s, amount_cents: -5 } },
      ),
      log.put('schedules', uuid(), { customer: 'fine' }),
    ]);
    expect(answer.applied).toEqual([4]);
    expect(answer.rejected.map((r) => [r.op_id, r.code])).toEqual([
      [1, 'constraint'],
      [2, 'tx_rejected'],
      [3, 'constraint'],
    ]);
    expect(answer.rejected[0]?.message).toBe('schedule_id refers to a schedule that does not exist');
    expect(answer.rejected[2]?.message).toBe('amount_cents must not be negative');
    expect(await row(server, 'schedules', s)).toBeUndefined();
  });

  it("refuses another organization's rows (PUT, PATCH, DELETE, as parent), a foreign org_id, and a PATCH to a missing row", async () => {
    const other = await newOrg(server);
    const mine = await newOrg(server);
    const theirs = uuid();
    await uploadOk(server, other.token, `other-${uuid()}`, [
      new OpLog().put('schedules', theirs, { customer: 'theirs' }),
    ]);
    const log = new OpLog();
    const answer = await uploadOk(server, mine.token, log.clientId, [
      log.put('schedules', theirs, { customer: 'mine now' }),
      log.patch('schedules', theirs, { customer: 'mine now' }),
      log.delete('schedules', theirs),
      log.put('invoices', uuid(), { schedule_id: theirs, amount_cents: 1 }),
      log.put('schedules', uuid(), { customer: 'x', org_id: other.orgId }),
      log.put('schedules', uuid(), { customer: 'own org_id is fine', org_id: mine.orgId }),
      log.patch('schedules', uuid(), { customer: 'nobody' }),
    ]);
    expect(answer.applied).toEqual([6]);
    expect(answer.rejected.map((r) => [r.op_id, r.code])).toEqual([
      [1, 'forbidden'],
      [2, 'forbidden'],
      [3, 'forbidden'],
      [4, 'forbidden'],
      [5, 'forbidden'],
      [7, 'not_found'],
    ]);
    expect(await row(server, 'schedules', theirs)).toMatchObject({ org_id: other.orgId, customer: 'theirs' });
  });

  it('rejects a stale invoice PATCH as conflict and leaves the row untouched; numbers are the server’s', async () => {
    const { token } = await newOrg(server);
    const a = new OpLog();
    const b = new OpLog();
    const [s, i1, i2] = [uuid(), uuid(), uuid()];
    await uploadOk(server, token, a.clientId, [
      a.put('schedules', s, {}),
      a.put('invoices', i1, { schedule_id: s, amount_cents: 1000, status: 'draft' }),
      a.put('invoices', i2, { schedule_id: s, amount_cents: 2000, status: 'draft' }),
    ]);
    expect((await row(server, 'invoices', i1))?.number).toBe(1);
    expect((await row(server, 'invoices', i2))?.number).toBe(2);

    const fresh = await uploadOk(server, token, b.clientId, [
      b.patch('invoices', i1, { status: 'sent' }, { amount_cents: 1000, status: 'draft' }),
    ]);
    expect(fresh.applied).toEqual([1]);
    const stale = await uploadOk(server, token, a.clientId, [
      a.patch('invoices', i1, { amount_cents: 1500 }, { amount_cents: 1000, status: 'draft' }),
      a.patch('invoices', i2, { number: 7 }),
    ]);
    expect(stale.rejected).toEqual([
      { op_id: 4, code: 'conflict', message: expect.stringContaining('status') },
      { op_id: 5, code: 'forbidden', message: expect.stringContaining('number') },
    ]);
    expect(await row(server, 'invoices', i1)).toMatchObject({
      amount_cents: 1000,
      status: 'sent',
      number: 1,
    });
    expect((await row(server, 'invoices', i2))?.number).toBe(2);
  });

  it('stores a photo confirmation only through the verifier, never the signature; cloudinary_url is refused', async () => {
    const { orgId, token } = await newOrg(server);
    const log = new OpLog();
    const [s, p] = [uuid(), uuid()];
    await uploadOk(server, token, log.clientId, [
      log.put('schedules', s, {}),
      log.put('photos', p, { schedule_id: s, kind: 'after' }),
    ]);
    const confirmation = {
      cloudinary_public_id: `vhd/${orgId}/photos/${p}`,
      cloudinary_version: 1700000000,
      cloudinary_signature: 'sig',
    };
    // The app's own verifier (the media store's account): a signature it did not make is refused.
    const refused = await uploadOk(server, token, log.clientId, [
      log.patch('photos', p, confirmation),
      log.patch('photos', p, { cloudinary_url: 'https://example.invalid/x.jpg' }),
    ]);
    expect(refused.rejected.map((r) => r.code)).toEqual(['invalid', 'forbidden']);
    const original = server.app.photoConfirmations;

    // Test double of the verifier the Cloudinary module registers: accepts signature "good" only.
    const seen: unknown[] = [];
    const verifier: PhotoConfirmationVerifier = {
      verify: (c) => {
        seen.push(c);
        return c.signature === 'good'
          ? { ok: true, cloudinaryUrl: `https://media.test/${c.publicId}.jpg` }
          : { ok: false, code: 'forbidden', message: 'bad signature' };
      },
    };
    server.app.photoConfirmations = verifier;
    try {
      const answer = await uploadOk(server, token, log.clientId, [
        log.patch('photos', p, { ...confirmation, cloudinary_signature: 'forged' }),
        log.patch('photos', p, { ...confirmation, cloudinary_signature: 'good', width: 800 }),
        log.put('photos', p, { schedule_id: s, kind: 'before' }),
      ]);
      expect(answer.applied).toEqual([6, 7]);
      expect(answer.rejected).toEqual([{ op_id: 5, code: 'forbidden', message: 'bad signature' }]);
      expect(seen[1]).toEqual({
        orgId,
        photoId: p,
        publicId: confirmation.cloudinary_public_id,
        version: 1700000000,
        signature: 'good',
      });
      // The later PUT replaced the client columns but kept the confirmed upload.
      expect(await row(server, 'photos', p)).toMatchObject({
        kind: 'before',
        width: null,
        cloudinary_public_id: confirmation.cloudinary_public_id,
        cloudinary_version: 1700000000,
        cloudinary_url: `https://media.test/${confirmation.cloudinary_public_id}.jpg`,
      });
      const columns = (
        await server.db.query(
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'photos'",
        )
      ).rows;
      expect(columns.map((c) => c.column_name)).not.toContain('cloudinary_signature');
    } finally {
      server.app.photoConfirmations = original;
    }
  });

  it('validates each op: unknown table, bad id, bad op, bad types, too large', async () => {
    const { token } = await newOrg(server);
    const log = new OpLog();
    const answer = await uploadOk(server, token, log.clientId, [
      log.put('users', uuid(), {}),
      log.put('schedules', 'not-a-uuid', {}),
      log.op({ op: 'UPSERT', type: 'schedules', id: uuid() }),
      log.put('schedules', uuid(), { scheduled_at: 'tomorrow' }),
      log.put('schedules', uuid(), { notes: 'x'.repeat(20_001) }),
      log.put('photos', uuid(), { width: 1.5 }),
      log.put('photos', uuid(), { cloudinary_public_id: 'only this' }),
    ]);
    expect(answer.applied).toEqual([]);
    expect(answer.rejected.map((r) => r.code)).toEqual([
      'unknown_table',
      'invalid',
      'invalid',
      'invalid',
      'too_large',
      'invalid',
      'invalid',
    ]);
  });

  it('answers 400 to malformed JSON and a wrong envelope, 413 with the limits over 2,000 ops or 4 MiB', async () => {
    const { token } = await newOrg(server);
    const path = '/api/powersync/upload';
    const malformed = await call(server, 'POST', path, { token, rawBody: '{"client_id": "x", "batch": [' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({
      code: 'invalid_json',
      message: expect.stringMatching(/JSON/),
    });
    for (const body of [
      { batch: [] },
      { client_id: 'x', batch: {} },
      { client_id: 'x', batch: [{ op: 'PUT' }] },
      [],
    ]) {
      const res = await call(server, 'POST', path, { token, body });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', message: expect.any(String) });
    }
    const duplicate = await call(server, 'POST', path, {
      token,
      body: { client_id: 'x', batch: [{ op_id: 1 }, { op_id: 1 }] },
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.message).toMatch(/op_id 1/);

    const log = new OpLog();
    const tooMany = Array.from({ length: 2001 }, () => log.delete('schedules', uuid()));
    const many = await call(server, 'POST', path, {
      token,
      body: { client_id: log.clientId, batch: tooMany },
    });
    expect(many.status).toBe(413);
    expect(many.body).toMatchObject({
      error: { code: 'too_large' },
      maxOps: 2000,
      maxBytes: 4 * 1024 * 1024,
    });

    const huge = [log.put('schedules', uuid(), { notes: 'x'.repeat(4 * 1024 * 1024) })];
    const big = await call(server, 'POST', path, { token, body: { client_id: log.clientId, batch: huge } });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: { code: 'too_large' }, maxOps: 2000, maxBytes: 4 * 1024 * 1024 });
    // Nothing was recorded for the refused requests: the same ops are new next time.
    expect(
      (await server.db.query('SELECT 1 FROM client_watermarks WHERE client_id = $1', [log.clientId])).rows,
    ).toHaveLength(0);
  });

  it('serialises concurrent batches from several devices: every op applied, invoice numbers unique and dense', async () => {
    const { orgId, token } = await newOrg(server);
    const shared = uuid();
    await uploadOk(server, token, `setup-${uuid()}`, [new OpLog().put('schedules', shared, { notes: '' })]);
    const answers = await Promise.all(
      Array.from({ length: 5 }, async (_, device) => {
        const log = new OpLog();
        const batch = [
          log.patch('schedules', shared, { customer: `device ${device}` }),
          ...Array.from({ length: 40 }, () =>
            log.put('invoices', uuid(), { schedule_id: shared, amount_cents: device }),
          ),
          log.patch('schedules', shared, { notes: `device ${device}` }),
        ];
        return uploadOk(server, token, log.clientId, batch);
      }),
    );
    for (const answer of answers) expect(answer).toMatchObject({ rejected: [], applied: expect.any(Array) });
    const { rows } = await server.db.query(
      'SELECT count(*)::int AS n, count(DISTINCT number)::int AS distinct, min(number) AS min, max(number) AS max FROM invoices WHERE org_id = $1',
      [orgId],
    );
    expect(rows[0]).toEqual({ n: 200, distinct: 200, min: 1, max: 200 });
  });

  it('binds a client_id to the user who first used it', async () => {
    const { orgId, token } = await newOrg(server);
    const log = new OpLog();
    await uploadOk(server, token, log.clientId, [log.put('schedules', uuid(), {})]);
    const intruder = await server.mintToken({ orgId });
    const res = await upload(server, intruder, log.clientId, [log.put('schedules', uuid(), {})]);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });
});

// validateOp on its own: each rule an op must pass before it is planned, with the verdict a client
// gets. Pure functions, no database (fast enough for mutation testing; upload.test.ts and
// uploadInput.test.ts check the same rules through the route).
import { describe, expect, it } from 'vitest';
import type { RawOp } from '../../src/crudApply/ops';
import { validateOp } from '../../src/crudApply/validate';

const ORG = 'org_a';
const ID = '0000000A-0000-4000-8000-00000000000B';
const id = ID.toLowerCase();
const PARENT = '00000000-0000-4000-8000-0000000000ff';

const validate = (raw: Omit<RawOp, 'op_id'>) => validateOp({ op_id: 7, ...raw }, ORG);
const put = (type: string, data: unknown, extra: Partial<RawOp> = {}) =>
  validate({ op: 'PUT', type, id: ID, data, ...extra });
const rejection = (r: ReturnType<typeof validateOp>) => ('rejection' in r ? r.rejection : null);
const values = (r: ReturnType<typeof validateOp>) => {
  if (!('op' in r)) throw new Error(`rejected: ${r.rejection.message}`);
  return r.op.values;
};

describe('validateOp: the op itself', () => {
  it('accepts a PUT: table, lower-cased id, converted values, no old, no confirmation', () => {
    expect(put('schedules', { customer: 'Diner', status: 'done' }, { tx_id: 3 })).toEqual({
      op: {
        opId: 7,
        txId: 3,
        kind: 'PUT',
        table: 'schedules',
        id,
        values: { customer: 'Diner', status: 'done' },
        old: null,
        confirmation: null,
      },
    });
  });

  it('accepts a DELETE without looking at its data', () => {
    expect(validate({ op: 'DELETE', type: 'invoices', id: ID, data: 'not an object' })).toEqual({
      op: {
        opId: 7,
        txId: null,
        kind: 'DELETE',
        table: 'invoices',
        id,
        values: {},
        old: null,
        confirmation: null,
      },
    });
  });

  it('takes a PUT or PATCH without data as one without columns', () => {
    expect(values(validate({ op: 'PATCH', type: 'schedules', id: ID }))).toEqual({});
  });

  it('refuses a tx_id that is not a safe integer, keeping the verdict without one', () => {
    for (const tx_id of [1.5, '3', Number.MAX_SAFE_INTEGER + 2]) {
      expect(put('schedules', {}, { tx_id })).toEqual({
        rejection: { code: 'invalid', message: 'tx_id must be an integer' },
        txId: null,
      });
    }
    expect(put('schedules', {}, { tx_id: null })).toHaveProperty('op.txId', null);
  });

  it('keeps the tx_id on a rejection, so the whole transaction can be refused', () => {
    expect(put('schedules', { status: 'bogus' }, { tx_id: 9 })).toMatchObject({ txId: 9 });
  });

  it('refuses an unknown op kind, a missing or unknown table, a malformed id, non-object data', () => {
    expect(rejection(validate({ op: 'MERGE', type: 'schedules', id: ID }))).toEqual({
      code: 'invalid',
      message: 'op must be PUT, PATCH or DELETE',
    });
    expect(rejection(validate({ op: 5, type: 'schedules', id: ID }))?.code).toBe('invalid');
    expect(rejection(validate({ op: 'PUT', type: 7, id: ID }))).toEqual({
      code: 'invalid',
      message: 'type must be a table name',
    });
    expect(rejection(validate({ op: 'PUT', type: 'users', id: ID }))).toEqual({
      code: 'unknown_table',
      message: '"users" is not a synced table',
    });
    expect(rejection(validate({ op: 'PUT', type: 'toString', id: ID }))?.code).toBe('unknown_table');
    for (const bad of [42, 'not-a-uuid', `${ID}0`, `x${ID}`]) {
      expect(rejection(validate({ op: 'PUT', type: 'schedules', id: bad }))).toEqual({
        code: 'invalid',
        message: 'id must be a UUID',
      });
    }
    for (const data of ['x', [1], 3]) {
      expect(rejection(put('schedules', data))).toEqual({
        code: 'invalid',
        message: 'data must be an object',
      });
    }
  });

  it('refuses text Postgres cannot store anywhere in the op, naming where', () => {
    expect(rejection(put('schedules', { notes: 'a\u0000b' }))).toEqual({
      code: 'invalid',
      message: 'op."data"."notes" holds text the database cannot store (NUL or an unpaired surrogate)',
    });
  });
});

describe('validateOp: columns', () => {
  it('skips updated_at (server-set), checks id and org_id against the op and the session', () => {
    expect(values(put('schedules', { id: ID, org_id: ORG, updated_at: 'whenever', customer: 'c' }))).toEqual({
      customer: 'c',
    });
    expect(values(put('schedules', { id: null, org_id: null }))).toEqual({});
    expect(rejection(put('schedules', { id: PARENT }))).toEqual({
      code: 'invalid',
      message: 'data.id differs from the op id',
    });
    expect(rejection(put('schedules', { org_id: 'org_b' }))).toEqual({
      code: 'forbidden',
      message: 'org_id must be the organization of the session',
    });
  });

  it('refuses server-owned and unknown columns, looking names up as own keys only', () => {
    expect(rejection(put('invoices', { number: 4 }))).toEqual({
      code: 'forbidden',
      message: 'number is set by the server',
    });
    expect(rejection(put('photos', { cloudinary_url: 'https://x' }))?.code).toBe('forbidden');
    expect(rejection(put('schedules', { colour: 'red' }))).toEqual({
      code: 'unknown_column',
      message: 'schedules has no column "colour"',
    });
    expect(rejection(put('schedules', JSON.parse('{"constructor": "x"}')))?.code).toBe('unknown_column');
    // Confirmation fields belong to tables with confirmed columns only.
    expect(rejection(put('schedules', { cloudinary_public_id: 'p' }))?.code).toBe('unknown_column');
  });

  it('text: must be text, one of the listed values, at most maxLength characters (null stays null)', () => {
    expect(values(put('schedules', { customer: null, notes: undefined }))).toEqual({
      customer: null,
      notes: null,
    });
    expect(rejection(put('schedules', { customer: 5 }))).toEqual({
      code: 'invalid',
      message: 'customer must be text',
    });
    expect(rejection(put('schedules', { status: 'later' }))).toEqual({
      code: 'invalid',
      message: 'status must be one of scheduled, in_progress, done, cancelled; got "later"',
    });
    expect(values(put('schedules', { customer: 'x'.repeat(500) }))).toEqual({ customer: 'x'.repeat(500) });
    expect(rejection(put('schedules', { customer: 'x'.repeat(501) }))).toEqual({
      code: 'too_large',
      message: 'customer is 501 characters long; at most 500 are accepted',
    });
  });

  it('uuid: a UUID, stored lower-case', () => {
    expect(values(put('invoices', { schedule_id: PARENT.toUpperCase() }))).toEqual({ schedule_id: PARENT });
    for (const schedule_id of [7, 'nope', `${PARENT}1`, `1${PARENT}`]) {
      expect(rejection(put('invoices', { schedule_id }))).toEqual({
        code: 'invalid',
        message: 'schedule_id must be a UUID',
      });
    }
  });

  it('timestamptz: ISO-8601 within years 1–9999, stored as UTC ISO text', () => {
    expect(values(put('schedules', { scheduled_at: '2025-03-01T10:00:00+01:00' }))).toEqual({
      scheduled_at: '2025-03-01T09:00:00.000Z',
    });
    expect(values(put('schedules', { scheduled_at: '2025-03-01 09:00' }))).toEqual({
      scheduled_at: expect.stringMatching(/^2025-03-01T/),
    });
    for (const scheduled_at of [
      1_700_000_000_000,
      'yesterday',
      '2025-03-01',
      'x2025-03-01T09:00Z',
      '2025-03-01T09:00Zx',
    ]) {
      expect(rejection(put('schedules', { scheduled_at }))).toEqual({
        code: 'invalid',
        message: 'scheduled_at must be an ISO-8601 timestamp',
      });
    }
    expect(values(put('schedules', { scheduled_at: '9999-12-31T00:00:00Z' }))).toEqual({
      scheduled_at: '9999-12-31T00:00:00.000Z',
    });
    expect(values(put('schedules', { scheduled_at: '0001-01-01T00:00:00Z' }))).toEqual({
      scheduled_at: '0001-01-01T00:00:00.000Z',
    });
    for (const scheduled_at of ['0000-12-31T00:00:00Z', '9999-12-31T23:00:00-02:00']) {
      expect(rejection(put('schedules', { scheduled_at }))).toEqual({
        code: 'invalid',
        message: 'scheduled_at must be between the years 1 and 9999',
      });
    }
  });

  it('integer and bigint: whole JSON numbers within int4 / safe-integer range', () => {
    expect(values(put('invoices', { amount_cents: 3.0 }))).toEqual({ amount_cents: 3 });
    expect(values(put('invoices', { amount_cents: 2_147_483_647 }))).toEqual({ amount_cents: 2_147_483_647 });
    expect(values(put('invoices', { amount_cents: -2_147_483_647 }))).toEqual({
      amount_cents: -2_147_483_647,
    });
    expect(rejection(put('invoices', { amount_cents: 2_147_483_648 }))).toEqual({
      code: 'too_large',
      message: 'amount_cents is out of range (|value| ≤ 2147483647)',
    });
    expect(rejection(put('invoices', { amount_cents: -2_147_483_648 }))?.code).toBe('too_large');
    for (const amount_cents of [1.5, '3']) {
      expect(rejection(put('invoices', { amount_cents }))).toEqual({
        code: 'invalid',
        message: 'amount_cents must be an integer',
      });
    }
    expect(values(put('photos', { bytes: 2_147_483_648 }))).toEqual({ bytes: 2_147_483_648 });
    expect(values(put('photos', { bytes: Number.MAX_SAFE_INTEGER }))).toEqual({
      bytes: Number.MAX_SAFE_INTEGER,
    });
    expect(rejection(put('photos', { bytes: Number.MAX_SAFE_INTEGER + 1 }))?.code).toBe('too_large');
  });
});

describe('validateOp: old values and photo confirmations', () => {
  const patch = (type: string, data: unknown, old: unknown) =>
    validate({ op: 'PATCH', type, id: ID, data, old });

  it("reads a PATCH's old values of the guarded columns only, converted", () => {
    const r = patch('invoices', { status: 'sent' }, { status: 'draft', amount_cents: 5.0, issued_at: 'x' });
    expect(r).toHaveProperty('op.old', { status: 'draft', amount_cents: 5 });
    expect(patch('invoices', { status: 'sent' }, { issued_at: 'x' })).toHaveProperty('op.old', null);
    expect(patch('invoices', { status: 'sent' }, null)).toHaveProperty('op.old', null);
    expect(patch('schedules', { status: 'done' }, { status: 'scheduled' })).toHaveProperty('op.old', null);
    // A PUT's old values are not a guard.
    expect(put('invoices', { status: 'sent' }, { old: { status: 'draft' } })).toHaveProperty('op.old', null);
  });

  it('refuses old values that are not an object, or of the wrong type', () => {
    for (const old of ['draft', [1]]) {
      expect(rejection(patch('invoices', {}, old))).toEqual({
        code: 'invalid',
        message: 'old must be an object',
      });
    }
    expect(rejection(patch('invoices', {}, { status: 'gone' }))).toEqual({
      code: 'invalid',
      message: 'old.status must be one of draft, sent, paid, void; got "gone"',
    });
  });

  const confirmation = {
    cloudinary_public_id: 'vhd/p1',
    cloudinary_version: 17,
    cloudinary_signature: 'sig',
  };

  it('takes a photo confirmation apart from the values', () => {
    expect(patch('photos', { kind: 'after', ...confirmation }, undefined)).toMatchObject({
      op: {
        values: { kind: 'after' },
        confirmation: { publicId: 'vhd/p1', version: 17, signature: 'sig' },
      },
    });
    expect(put('photos', { kind: 'after' })).toHaveProperty('op.confirmation', null);
  });

  it('refuses a partial or empty confirmation, and a version that is not a positive safe integer', () => {
    const together = {
      code: 'invalid',
      message:
        'cloudinary_public_id, cloudinary_version, cloudinary_signature must be sent together, with non-empty values',
    };
    expect(rejection(put('photos', { cloudinary_signature: 'sig' }))).toEqual(together);
    expect(rejection(put('photos', { ...confirmation, cloudinary_public_id: '' }))).toEqual(together);
    expect(rejection(put('photos', { ...confirmation, cloudinary_signature: '' }))).toEqual(together);
    expect(rejection(put('photos', { ...confirmation, cloudinary_public_id: 5 }))).toEqual(together);
    expect(rejection(put('photos', { ...confirmation, cloudinary_signature: 5 }))).toEqual(together);
    for (const cloudinary_version of [0, -1, 1.5, '17', 2 ** 60]) {
      expect(rejection(put('photos', { ...confirmation, cloudinary_version }))).toEqual({
        code: 'invalid',
        message: 'cloudinary_version must be a positive integer',
      });
    }
    expect(put('photos', { ...confirmation, cloudinary_version: 1 })).toHaveProperty(
      'op.confirmation.version',
      1,
    );
  });
});

// A database's refusal in a client's words: our code and message, never the database's text.
// Pure functions (fast enough for mutation testing).
import { describe, expect, it } from 'vitest';
import { dataErrorDetail, dataErrorRejection } from '../../src/crudApply/dataErrors';

const dbError = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error('new row for relation "x" violates check constraint'), { code, ...extra });

describe('data errors', () => {
  it('names a known constraint in its own words', () => {
    expect(dataErrorRejection(dbError('23514', { constraint: 'invoices_amount_cents_check' }))).toEqual({
      code: 'constraint',
      message: 'amount_cents must not be negative',
    });
    expect(dataErrorRejection(dbError('23503', { constraint: 'photos_schedule_id_fkey' })).message).toBe(
      'schedule_id refers to a schedule that does not exist',
    );
  });

  it('words an unknown constraint by its SQLSTATE, never by its name', () => {
    const message = (code: string, constraint?: unknown) =>
      dataErrorRejection(dbError(code, constraint === undefined ? {} : { constraint })).message;
    expect(message('23505', 'secret_unique_idx')).toBe(
      'another row already has this value (unique constraint)',
    );
    expect(message('23503', 'toString')).toBe('refers to a row that does not exist (foreign key)');
    expect(message('23514', 7)).toBe('a value is outside the allowed range (check constraint)');
    expect(message('23502')).toBe('a required value is missing');
    expect(message('22003')).toBe('a value cannot be stored (out of range or malformed)');
    expect(message('23P01')).toBe('the row breaks a database constraint');
    expect(message('nonsense')).toBe('the row breaks a database constraint');
    expect(dataErrorRejection(dbError('23505')).code).toBe('constraint');
  });

  it('keeps the detail for the server log only', () => {
    const err = dbError('23514', {
      constraint: 'c',
      table: 't',
      column: 'k',
      detail: 'Failing row contains (…)',
    });
    expect(dataErrorDetail(err)).toEqual({
      sqlState: '23514',
      constraint: 'c',
      table: 't',
      column: 'k',
      message: 'new row for relation "x" violates check constraint',
      detail: 'Failing row contains (…)',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { coerceValue, coerceValues, toUploadOp, utf8Length } from '../src/crudPayload';

describe('CRUD payload coercion', () => {
  it('sends integer columns as integers, whatever SQLite handed back', () => {
    expect(coerceValues('invoices', { amount_cents: '1200', number: 3, status: 'draft' })).toEqual({
      amount_cents: 1200,
      number: 3,
      status: 'draft',
    });
    expect(coerceValue('integer', '3.0')).toBe(3);
    expect(coerceValue('integer', true)).toBe(1);
  });

  it('never loses information: a fraction or text in an integer column goes up unchanged', () => {
    expect(coerceValue('integer', 2.5)).toBe(2.5);
    expect(coerceValue('integer', 'abc')).toBe('abc');
    expect(coerceValue('integer', '99999999999999999999')).toBe('99999999999999999999');
    expect(coerceValue('text', 12)).toBe(12);
    expect(coerceValue(undefined, '12')).toBe('12');
    expect(coerceValue('integer', null)).toBeNull();
  });

  it('numeric text in a real column becomes a number', () => {
    expect(coerceValue('real', '1.25')).toBe(1.25);
    expect(coerceValue('real', '1e3')).toBe(1000);
  });

  it('maps a CRUD entry onto the upload op, with previous values as `old`', () => {
    const op = toUploadOp({
      clientId: 41,
      id: 'i1',
      op: 'PATCH',
      table: 'invoices',
      transactionId: 7,
      opData: { amount_cents: '500' },
      previousValues: { amount_cents: 400, status: 'draft' },
    });
    expect(op).toEqual({
      op_id: 41,
      op: 'PATCH',
      type: 'invoices',
      id: 'i1',
      tx_id: 7,
      data: { amount_cents: 500 },
      old: { amount_cents: 400, status: 'draft' },
    });
    expect(toUploadOp({ clientId: 1, id: 'x', op: 'DELETE', table: 'photos' })).toEqual({
      op_id: 1,
      op: 'DELETE',
      type: 'photos',
      id: 'x',
    });
  });

  it('counts UTF-8 bytes', () => {
    expect(utf8Length('abc')).toBe(3);
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('€')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('a😀é')).toBe(new TextEncoder().encode('a😀é').length);
  });
});

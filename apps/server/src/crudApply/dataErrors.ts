import { sqlState } from '../db/sqlstate';
import type { Rejection } from './ops';

// The database's own text (constraint names, "Failing row contains (…)") never reaches a client or
// op_verdicts: a data error becomes our code and words; the caller logs the detail.

/** The constraints of the migrations, in a client's words. */
const CONSTRAINTS: Readonly<Record<string, string>> = {
  invoices_amount_cents_check: 'amount_cents must not be negative',
  invoices_status_check: 'status is not an invoice status',
  invoices_schedule_id_fkey: 'schedule_id refers to a schedule that does not exist',
  invoices_org_id_number_key: 'the invoice number is already taken; retry',
  schedules_status_check: 'status is not a schedule status',
  photos_schedule_id_fkey: 'schedule_id refers to a schedule that does not exist',
  photos_kind_check: 'kind must be before or after',
  photos_bytes_check: 'bytes must not be negative',
  photos_width_check: 'width must be positive',
  photos_height_check: 'height must be positive',
};

function byState(state: string | undefined): string {
  switch (state) {
    case '23505':
      return 'another row already has this value (unique constraint)';
    case '23503':
      return 'refers to a row that does not exist (foreign key)';
    case '23514':
      return 'a value is outside the allowed range (check constraint)';
    case '23502':
      return 'a required value is missing';
    default:
      return state?.startsWith('22')
        ? 'a value cannot be stored (out of range or malformed)'
        : 'the row breaks a database constraint';
  }
}

/** A data error (SQLSTATE class 22/23) as the rejection a client gets. */
export function dataErrorRejection(err: unknown): Rejection {
  const constraint = (err as { constraint?: unknown }).constraint;
  const known = typeof constraint === 'string' && Object.hasOwn(CONSTRAINTS, constraint);
  return { code: 'constraint', message: known ? CONSTRAINTS[constraint]! : byState(sqlState(err)) };
}

/** What the server log keeps of a data error (never sent to the client). */
export function dataErrorDetail(err: unknown): Record<string, unknown> {
  const e = err as Record<string, unknown>;
  return {
    sqlState: sqlState(err),
    constraint: e.constraint,
    table: e.table,
    column: e.column,
    message: e.message,
    detail: e.detail,
  };
}

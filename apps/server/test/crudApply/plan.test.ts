import { describe, expect, it } from 'vitest';
import type { ValidOp } from '../../src/crudApply/ops';
import { planBatch, rowKey, type StoredRow, type TxGroup } from '../../src/crudApply/plan';
import { validateOp } from '../../src/crudApply/validate';

const ORG = 'org_a';
const S = '00000000-0000-4000-8000-000000000001';
const I = '00000000-0000-4000-8000-000000000002';

let nextOp = 1;
function op(raw: Record<string, unknown>): ValidOp {
  const result = validateOp({ op_id: nextOp++, ...raw }, ORG);
  if (!('op' in result)) throw new Error(result.rejection.message);
  return result.op;
}
const single = (...ops: ValidOp[]): TxGroup[] => ops.map((o) => ({ txId: o.txId, ops: [o] }));

describe('planBatch', () => {
  it('folds a row to one change: PUT, PATCH, DELETE, PUT again', () => {
    const stored = new Map<string, StoredRow>([[rowKey('schedules', S), { orgId: ORG, values: {} }]]);
    const { rejections, changes } = planBatch(
      single(
        op({ op: 'PATCH', type: 'schedules', id: S, data: { notes: 'n' } }),
        op({ op: 'DELETE', type: 'schedules', id: S }),
        op({ op: 'PUT', type: 'schedules', id: S, data: { customer: 'c' } }),
        op({ op: 'PATCH', type: 'schedules', id: S, data: { notes: 'm' } }),
      ),
      stored,
      ORG,
    );
    expect(rejections).toEqual([]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      deleteStored: true,
      write: { mode: 'replace', values: { customer: 'c', notes: 'm', status: 'scheduled' } },
    });
  });

  it('drops a new row that is deleted in the same batch', () => {
    const { changes } = planBatch(
      single(
        op({ op: 'PUT', type: 'schedules', id: S, data: {} }),
        op({ op: 'DELETE', type: 'schedules', id: S }),
      ),
      new Map(),
      ORG,
    );
    expect(changes[0]).toMatchObject({ deleteStored: false, write: null });
  });

  it('rejects a whole transaction and leaves no trace of it for the transactions after it', () => {
    const put = op({ op: 'PUT', type: 'schedules', id: S, data: {}, tx_id: 7 });
    const badPatch = op({ op: 'PATCH', type: 'invoices', id: I, data: { amount_cents: 5 }, tx_id: 7 });
    const laterPatch = op({ op: 'PATCH', type: 'schedules', id: S, data: { notes: 'x' }, tx_id: 8 });
    const { rejections, changes } = planBatch(
      [
        { txId: 7, ops: [put, badPatch] },
        { txId: 8, ops: [laterPatch] },
      ],
      new Map(),
      ORG,
    );
    expect(rejections.map((v) => (v.ok ? 'ok' : v.rejection.code))).toEqual([
      'tx_rejected',
      'not_found',
      'not_found',
    ]);
    expect(changes).toEqual([]);
  });

  it('checks old values against the row as the batch leaves it', () => {
    const stored = new Map<string, StoredRow>([
      [rowKey('invoices', I), { orgId: ORG, values: { amount_cents: 100, status: 'draft', number: 3 } }],
    ]);
    const { rejections } = planBatch(
      single(
        op({ op: 'PATCH', type: 'invoices', id: I, data: { status: 'sent' }, old: { status: 'draft' } }),
        op({
          op: 'PATCH',
          type: 'invoices',
          id: I,
          data: { amount_cents: 200 },
          old: { amount_cents: 100.0, status: 'sent' },
        }),
        op({ op: 'PATCH', type: 'invoices', id: I, data: { amount_cents: 300 }, old: { amount_cents: 100 } }),
      ),
      stored,
      ORG,
    );
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ ok: false, rejection: { code: 'conflict' } });
  });
});

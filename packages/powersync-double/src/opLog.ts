// The double's bucket storage: one append-only op log per bucket, like the real service's before
// compaction. Op ids are global and increasing; a bucket's checksum covers every op it holds, so a
// client resuming from `after` still checks its whole bucket against the full checksum. Reads take an
// `upTo` op id: streams see only what replication has reached (see replicationLag.ts).
import { addChecksums, opChecksum } from './checksum';
import type { OplogEntryLine, OpType } from './protocol';

export type Row = { id: string } & Record<string, unknown>;

export interface Op {
  opId: number;
  op: OpType;
  table: string;
  id: string;
  data: string | null;
  checksum: number;
  /** The bucket's checksum after this op (so a state at any op id is one lookup). */
  bucketChecksum: number;
}

export interface BucketState {
  checksum: number;
  count: number;
  /** Op id of the bucket's newest op (0 when empty). */
  lastOpId: number;
}

interface Bucket {
  ops: Op[];
  rows: Map<string, Row>;
}

const rowKey = (table: string, id: string) => `${table}\u0000${id}`;

export class OpLog {
  private head = 0;
  private readonly buckets = new Map<string, Bucket>();

  /** The newest op id across all buckets. */
  get headOpId(): number {
    return this.head;
  }

  put(bucketName: string, table: string, row: Row): Op {
    const bucket = this.bucket(bucketName);
    const data = JSON.stringify(row);
    const op = this.append(bucket, 'PUT', table, row.id, data);
    bucket.rows.set(rowKey(table, row.id), { ...row });
    return op;
  }

  /** Appends a REMOVE op; a row the bucket does not hold yields no op (as in the real service). */
  remove(bucketName: string, table: string, id: string): Op | undefined {
    const bucket = this.bucket(bucketName);
    if (!bucket.rows.delete(rowKey(table, id))) return undefined;
    return this.append(bucket, 'REMOVE', table, id, null);
  }

  /** The bucket as of op id `upTo` (default: all of it). */
  state(bucketName: string, upTo = Number.POSITIVE_INFINITY): BucketState {
    const ops = this.buckets.get(bucketName)?.ops ?? [];
    const count = countUpTo(ops, upTo);
    const last = ops[count - 1];
    return { checksum: last?.bucketChecksum ?? 0, count, lastOpId: last?.opId ?? 0 };
  }

  /** Ops with `after` < op id ≤ `upTo`, oldest first. */
  opsAfter(bucketName: string, after: number, upTo = Number.POSITIVE_INFINITY): Op[] {
    const ops = this.buckets.get(bucketName)?.ops ?? [];
    return ops.slice(countUpTo(ops, after), countUpTo(ops, upTo));
  }

  /** Current rows of a bucket (optionally of one table). */
  rows(bucketName: string, table?: string): Row[] {
    const rows = [...(this.buckets.get(bucketName)?.rows.entries() ?? [])];
    return rows
      .filter(([key]) => table === undefined || key.startsWith(`${table}\u0000`))
      .map(([, row]) => ({ ...row }));
  }

  private bucket(name: string): Bucket {
    let bucket = this.buckets.get(name);
    if (!bucket) {
      bucket = { ops: [], rows: new Map() };
      this.buckets.set(name, bucket);
    }
    return bucket;
  }

  private append(bucket: Bucket, type: OpType, table: string, id: string, data: string | null): Op {
    const opId = ++this.head;
    const checksum = opChecksum([opId, type, table, id, data]);
    const bucketChecksum = addChecksums(bucket.ops.at(-1)?.bucketChecksum ?? 0, checksum);
    const op: Op = { opId, op: type, table, id, data, checksum, bucketChecksum };
    bucket.ops.push(op);
    return op;
  }
}

/** How many of `ops` (ascending op ids) have op id ≤ `opId`. */
function countUpTo(ops: Op[], opId: number): number {
  let lo = 0;
  let hi = ops.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ops[mid] as Op).opId <= opId) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function toLine(op: Op): OplogEntryLine {
  return {
    op_id: String(op.opId),
    op: op.op,
    object_type: op.table,
    object_id: op.id,
    data: op.data,
    checksum: op.checksum,
  };
}

// The sync-stream lines the PowerSync client understands (see notes/powersync-client-facts.md).
// Op ids are decimal strings on the wire; `data` of an op is a JSON string.

export type OpType = 'PUT' | 'REMOVE';

export interface OplogEntryLine {
  op_id: string;
  op: OpType;
  object_type: string;
  object_id: string;
  data: string | null;
  checksum: number;
}

export interface BucketChecksumLine {
  bucket: string;
  checksum: number;
  count: number;
  priority: number;
}

export type SyncLine =
  | { checkpoint: { last_op_id: string; write_checkpoint?: string; buckets: BucketChecksumLine[] } }
  | {
      checkpoint_diff: {
        last_op_id: string;
        write_checkpoint?: string;
        updated_buckets: BucketChecksumLine[];
        removed_buckets: string[];
      };
    }
  | { data: { bucket: string; after: string; next_after: string; has_more: boolean; data: OplogEntryLine[] } }
  | { checkpoint_complete: { last_op_id: string } }
  | { token_expires_in: number };

/** One bucket position the client asks to resume from (`buckets` of the request body). */
export interface BucketRequest {
  name: string;
  after: string;
}

/** The default priority of a bucket (the real service sends 3 unless sync rules say otherwise). */
export const DEFAULT_PRIORITY = 3;

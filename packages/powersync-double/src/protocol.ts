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
  /** Why the client has this bucket: `{ default: i }` — the i-th entry of the checkpoint's `streams`. */
  subscriptions: Array<{ default: number }>;
}

/** A sync-config definition as the service lists it in a checkpoint (bucket definitions are default streams). */
export interface StreamDescription {
  name: string;
  is_default: boolean;
  errors: unknown[];
}

export type SyncLine =
  | {
      checkpoint: {
        last_op_id: string;
        write_checkpoint?: string;
        buckets: BucketChecksumLine[];
        streams: StreamDescription[];
      };
    }
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

// What everyone meant to write: each device's local writes once its transaction committed, the
// photos it took, and the office's edits on the server. The consistency check holds the server and
// every device against it.

export type Writer = string;

export interface RowWrite {
  /** A device's name, or `office`. */
  writer: Writer;
  /** When (virtual ms). */
  at: number;
  /** Commit order across all writers (assigned by the log). */
  seq: number;
  op: 'insert' | 'update' | 'delete';
  table: string;
  id: string;
  values: Record<string, unknown>;
}

export interface PhotoTaken {
  writer: Writer;
  at: number;
  photoId: string;
  orgId: string;
  scheduleId: string | null;
  /** False while the app has not confirmed the capture (it may have died after saving it). */
  confirmed: boolean;
}

export class IntentLog {
  readonly rows: RowWrite[] = [];
  readonly photos: PhotoTaken[] = [];

  /** Log a write once it committed: the log's order is commit order. */
  addRow(write: Omit<RowWrite, 'seq'>): void {
    this.rows.push({ ...write, seq: this.rows.length + 1 });
  }

  /** Logs a capture as it is attempted; the returned function confirms it. */
  addPhoto(photo: Omit<PhotoTaken, 'confirmed'>): () => void {
    const entry: PhotoTaken = { ...photo, confirmed: false };
    this.photos.push(entry);
    return () => {
      entry.confirmed = true;
    };
  }

  rowsBy(writer: Writer): RowWrite[] {
    return this.rows.filter((w) => w.writer === writer);
  }

  photosBy(writer: Writer): PhotoTaken[] {
    return this.photos.filter((p) => p.writer === writer);
  }
}

// The work a technician left queued on the phone: CRUD transactions in the local database and
// captured photo files (copies of a template of the wanted size).
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SyncDatabase } from '@vhd/background-sync';
import type { CrudWork, PhotoWork } from './protocol';

const STREETS = ['Main Street', 'Harbour Road', 'Mill Lane', 'Station Avenue', 'Church Street'];

/** Writes the transactions; returns the number of ops they queue. */
export async function writeCrudWork(db: SyncDatabase, work: CrudWork): Promise<number> {
  const day = Date.UTC(2025, 5, 2);
  for (let i = 0; i < work.transactions; i++) {
    const scheduleId = randomUUID();
    const schedule = [
      scheduleId,
      `Restaurant ${i}`,
      `${100 + (i % 900)} ${STREETS[i % STREETS.length]}, Springfield`,
      new Date(day + (i % 500) * 3_600_000).toISOString(),
      'Kitchen hood and duct cleaning; grease filters replaced',
    ];
    const insertSchedule = `INSERT INTO schedules (id, customer, address, scheduled_at, notes, status)
      VALUES (?, ?, ?, ?, ?, 'scheduled')`;
    if (work.shape === 'schedule') {
      // One statement outside a write transaction: one PowerSync transaction of one op.
      await db.execute(insertSchedule, schedule);
      continue;
    }
    await db.writeTransaction(async (tx) => {
      await tx.execute(insertSchedule, schedule);
      await tx.execute(
        `INSERT INTO invoices (id, schedule_id, amount_cents, status, issued_at) VALUES (?, ?, ?, 'sent', ?)`,
        [randomUUID(), scheduleId, 25_000 + (i % 100) * 150, new Date(day).toISOString()],
      );
      await tx.execute(`UPDATE schedules SET status = 'done' WHERE id = ?`, [scheduleId]);
    });
  }
  return work.transactions * (work.shape === 'schedule' ? 1 : 3);
}

export interface CapturedPhoto {
  photoId: string;
  path: string;
  bytes: number;
}

/** Copies each template `count` times into `dir` as freshly captured photos. */
export async function capturePhotos(dir: string, work: PhotoWork[]): Promise<CapturedPhoto[]> {
  await mkdir(dir, { recursive: true });
  const photos: CapturedPhoto[] = [];
  for (const w of work) {
    const bytes = (await stat(w.templatePath)).size;
    for (let i = 0; i < w.count; i++) {
      const photoId = randomUUID();
      const path = join(dir, `${photoId}.jpg`);
      await copyFile(w.templatePath, path);
      photos.push({ photoId, path, bytes });
    }
  }
  return photos;
}

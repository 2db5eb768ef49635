// A small disk of its own for the dev media store (DATA_DIR/media): a size-limited tmpfs mounted
// before the server starts (needs root), which a trial fills to the last few kilobytes so uploads
// meet a real ENOSPC, and frees again. Where mounting is not allowed, `mount` returns null and the
// trial injects the write failure at the store's `media.midWrite` fault point instead.
import { execFile } from 'node:child_process';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Left free when full: less than any photo, more than the store's small metadata files need. */
const LEFT_FREE = 16 * 1024;

export class MediaDisk {
  private constructor(readonly dir: string) {}

  static async mount(dir: string, bytes: number): Promise<MediaDisk | null> {
    await mkdir(dir, { recursive: true });
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
    } catch {
      return null;
    }
    return new MediaDisk(dir);
  }

  private get filler(): string {
    return join(this.dir, 'filler');
  }

  async fill(): Promise<void> {
    const s = await statfs(this.dir);
    try {
      await writeFile(this.filler, Buffer.alloc(Math.max(0, s.bavail * s.bsize - LEFT_FREE)));
    } catch (err) {
      // An upload took some of the space meanwhile: the disk is just as full.
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
  }

  async free(): Promise<void> {
    await rm(this.filler, { force: true });
  }

  async unmount(): Promise<void> {
    await run('umount', ['-l', this.dir]).catch(() => {});
  }
}

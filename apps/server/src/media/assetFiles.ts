import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { faultPoint } from '../faultPoints';

/** What the dev media store knows about one stored asset (also the source of its upload response). */
export interface StoredAsset {
  publicId: string;
  version: number;
  format: string;
  width: number;
  height: number;
  bytes: number;
  etag: string;
  createdAt: string;
}

/**
 * The dev media store's disk layout under its root: `assets/<public_id>.data` (the bytes, never
 * rewritten in place) and `assets/<public_id>.json` (the metadata, written last, so an asset
 * exists once its metadata does); uploads stream into `incoming/` first. Public ids contain no
 * dots, so these names never collide with a public id's folders.
 */
export class AssetFiles {
  constructor(readonly root: string) {}

  async newIncomingPath(): Promise<string> {
    const dir = join(this.root, 'incoming');
    await mkdir(dir, { recursive: true });
    return join(dir, randomUUID());
  }

  dataPath(publicId: string): string {
    return join(this.root, 'assets', `${publicId}.data`);
  }

  private metaPath(publicId: string): string {
    return join(this.root, 'assets', `${publicId}.json`);
  }

  async read(publicId: string): Promise<StoredAsset | null> {
    try {
      return JSON.parse(await readFile(this.metaPath(publicId), 'utf8')) as StoredAsset;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Moves an incoming file into place as `asset`; the caller serialises writes per public id. */
  async commit(incomingPath: string, asset: StoredAsset): Promise<void> {
    const metaPath = this.metaPath(asset.publicId);
    await mkdir(dirname(metaPath), { recursive: true });
    await rename(incomingPath, this.dataPath(asset.publicId));
    faultPoint('media.midWrite', asset.publicId);
    const metaTmp = `${metaPath}.${randomUUID()}.tmp`;
    await writeFile(metaTmp, JSON.stringify(asset));
    await rename(metaTmp, metaPath);
  }

  /** Removes an asset; false if there was none. */
  async remove(publicId: string): Promise<boolean> {
    const existed = (await this.read(publicId)) !== null;
    await rm(this.metaPath(publicId), { force: true });
    await rm(this.dataPath(publicId), { force: true });
    return existed;
  }
}

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { ALG, type PowerSyncKeySource, type SigningKey, signingKeyFromJwk } from './signingKey';

interface StoredKey {
  privateJwk: JWK;
  createdAt: number;
  /** Set when a newer key took over; the key stays published until its last token expired. */
  retiredAt?: number;
}

export interface KeyFileOptions {
  /** A key older than this is replaced by a new one when the next token is signed. */
  rotateAfterMs: number;
  /** How long a retired key stays published: the token lifetime plus clock skew. */
  publishRetiredForMs: number;
}

/**
 * Dev keys: generated on first use and kept in one JSON file under DATA_DIR (mode 0600), rotated
 * by age. A retired key stays in the JWKS until every token it signed has expired, then is dropped.
 */
export class KeyFile implements PowerSyncKeySource {
  private rotation: Promise<SigningKey> | null = null;

  private constructor(
    private readonly path: string,
    private readonly options: KeyFileOptions,
    private keys: StoredKey[],
    private current: SigningKey | null,
  ) {}

  static async open(path: string, options: KeyFileOptions): Promise<KeyFile> {
    let keys: StoredKey[] = [];
    try {
      keys = (JSON.parse(await readFile(path, 'utf8')) as { keys: StoredKey[] }).keys;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const active = keys.find((key) => key.retiredAt === undefined);
    return new KeyFile(path, options, keys, active ? await signingKeyFromJwk(active.privateJwk) : null);
  }

  async signingKey(nowMs: number): Promise<SigningKey> {
    const active = this.keys.find((key) => key.retiredAt === undefined);
    if (this.current && active && nowMs - active.createdAt < this.options.rotateAfterMs) return this.current;
    return this.rotate(nowMs);
  }

  /** Retires the current key (still published) and starts signing with a new one. */
  rotate(nowMs: number): Promise<SigningKey> {
    this.rotation ??= this.replaceKey(nowMs).finally(() => {
      this.rotation = null;
    });
    return this.rotation;
  }

  async publishedKeys(nowMs: number): Promise<JWK[]> {
    const live = this.keys.filter((key) => this.stillPublished(key, nowMs));
    return Promise.all(live.map(async (key) => (await signingKeyFromJwk(key.privateJwk)).publicJwk));
  }

  private async replaceKey(nowMs: number): Promise<SigningKey> {
    const { privateKey } = await generateKeyPair(ALG, { modulusLength: 2048, extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const next = await signingKeyFromJwk(privateJwk);
    const retired = this.keys.map((key) =>
      key.retiredAt === undefined ? { ...key, retiredAt: nowMs } : key,
    );
    const keys = [
      { privateJwk: { ...privateJwk, kid: next.kid }, createdAt: nowMs },
      ...retired.filter((key) => this.stillPublished(key, nowMs)),
    ];
    await this.save(keys);
    this.keys = keys;
    this.current = next;
    return next;
  }

  private stillPublished(key: StoredKey, nowMs: number): boolean {
    return key.retiredAt === undefined || nowMs < key.retiredAt + this.options.publishRetiredForMs;
  }

  private async save(keys: StoredKey[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify({ keys }, null, 2), { mode: 0o600 });
    await rename(tmp, this.path);
  }
}

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CloudinaryAccount, SignatureAlgorithm } from '../cloudinary/account';

/** Cloud name and api key of the dev media store (the test double of Cloudinary). */
export const DEV_CLOUD_NAME = 'dev';
export const DEV_API_KEY = 'dev-media-store';

/**
 * The dev media store's account. Its secret is made once and kept in `secretPath` so signatures
 * handed out before a restart still verify after it.
 */
export async function loadDevMediaAccount(
  secretPath: string,
  signatureAlgorithm: SignatureAlgorithm,
): Promise<CloudinaryAccount> {
  let apiSecret: string;
  try {
    apiSecret = (await readFile(secretPath, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    apiSecret = randomBytes(24).toString('hex');
    await mkdir(dirname(secretPath), { recursive: true });
    await writeFile(secretPath, apiSecret, { mode: 0o600, flag: 'wx' }).catch(async (writeError) => {
      // Another process created it first: use theirs.
      if ((writeError as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError;
      apiSecret = (await readFile(secretPath, 'utf8')).trim();
    });
  }
  return { cloudName: DEV_CLOUD_NAME, apiKey: DEV_API_KEY, apiSecret, signatureAlgorithm };
}

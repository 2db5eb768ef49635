import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, exportPKCS8, exportSPKI, generateKeyPair, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredKeys } from '../src/powersync/configuredKeys';
import { KeyFile } from '../src/powersync/keyFile';
import { mintPowerSyncToken } from '../src/powersync/token';

const HOUR = 3_600_000;
const options = { rotateAfterMs: 24 * HOUR, publishRetiredForMs: 11 * 60_000 };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vhd-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function verifies(token: string, keys: Awaited<ReturnType<KeyFile['publishedKeys']>>, nowMs: number) {
  try {
    await jwtVerify(token, createLocalJWKSet({ keys }), {
      audience: 'vhd-powersync',
      currentDate: new Date(nowMs),
    });
    return true;
  } catch {
    return false;
  }
}

describe('PowerSync signing keys', () => {
  it('generates a dev key once, persists it privately, and signs tokens its JWKS verifies', async () => {
    const path = join(dir, 'persist', 'powersync-keys.json');
    const now = Date.UTC(2030, 0, 1);
    const first = await (await KeyFile.open(path, options)).signingKey(now);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const reopened = await KeyFile.open(path, options);
    expect((await reopened.signingKey(now + HOUR)).kid).toBe(first.kid);
    const published = await reopened.publishedKeys(now);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ kid: first.kid, kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(published[0]).not.toHaveProperty('d');

    const { token, expiresAt } = await mintPowerSyncToken({
      key: first,
      audience: 'vhd-powersync',
      userId: 'user_1',
      orgId: 'org_1',
      ttlS: 600,
      nowMs: now,
    });
    expect(expiresAt).toBe(new Date(now + 600_000).toISOString());
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: published }), {
      audience: 'vhd-powersync',
      currentDate: new Date(now + 1000),
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: first.kid });
    expect(payload).toMatchObject({ sub: 'user_1', org_id: 'org_1', aud: 'vhd-powersync' });
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('rotates by age and keeps the previous key published until its tokens expired', async () => {
    const path = join(dir, 'rotate', 'powersync-keys.json');
    const t0 = Date.UTC(2030, 0, 1);
    const keys = await KeyFile.open(path, options);
    const old = await keys.signingKey(t0);
    const mint = (key: typeof old, nowMs: number) =>
      mintPowerSyncToken({ key, audience: 'vhd-powersync', userId: 'u', orgId: 'o', ttlS: 600, nowMs });
    const rotationAt = t0 + options.rotateAfterMs;
    const oldToken = (await mint(old, rotationAt - 1000)).token;

    const next = await keys.signingKey(rotationAt);
    expect(next.kid).not.toBe(old.kid);
    const during = await keys.publishedKeys(rotationAt + 60_000);
    expect(during.map((key) => key.kid).sort()).toEqual([old.kid, next.kid].sort());
    expect(await verifies(oldToken, during, rotationAt + 60_000)).toBe(true);

    const after = await (await KeyFile.open(path, options)).publishedKeys(
      rotationAt + options.publishRetiredForMs,
    );
    expect(after.map((key) => key.kid)).toEqual([next.kid]);
    expect(await verifies((await mint(next, rotationAt)).token, after, rotationAt + 1000)).toBe(true);
    expect(JSON.parse(await readFile(path, 'utf8')).keys).toHaveLength(2);
  });

  it('signs with a configured PEM key and also publishes the configured previous key', async () => {
    const current = await generateKeyPair('RS256', { extractable: true });
    const previous = await generateKeyPair('RS256', { extractable: true });
    const source = await configuredKeys({
      privateKey: await exportPKCS8(current.privateKey),
      previousPublicKeys: await exportSPKI(previous.publicKey),
    });
    const now = Date.now();
    const key = await source.signingKey(now);
    const published = await source.publishedKeys(now);
    expect(published).toHaveLength(2);
    expect(published.every((jwk) => jwk.kid && !('d' in jwk))).toBe(true);
    const { token } = await mintPowerSyncToken({
      key,
      audience: 'vhd-powersync',
      userId: 'u',
      orgId: 'o',
      ttlS: 300,
      nowMs: now,
    });
    expect(await verifies(token, published, now)).toBe(true);
    expect(await verifies(token, published.slice(1), now)).toBe(false);
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config';
import { armFaultPoint, disarmFaultPoints, FAULT_POINTS_ENV, faultPoint } from '../src/faultPoints';

describe('fault points', () => {
  afterEach(() => {
    disarmFaultPoints();
    vi.unstubAllEnvs();
  });

  it('are inert unless enabled, and cannot be armed then', () => {
    vi.stubEnv(FAULT_POINTS_ENV, '');
    expect(() => faultPoint('upload.afterCommit')).not.toThrow();
    expect(() => armFaultPoint('upload.afterCommit', 1)).toThrow(/fault points are off/);
  });

  it('trace every point reached and act on the nth arrival', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vhd-fault-points-'));
    try {
      const trace = join(dir, 'trace');
      vi.stubEnv(FAULT_POINTS_ENV, trace);
      armFaultPoint('media.midWrite', 2, 'enospc');
      faultPoint('media.midWrite', 'vhd/org/photos/a');
      expect(() => faultPoint('media.midWrite', 'vhd/org/photos/b')).toThrow(
        expect.objectContaining({ code: 'ENOSPC' }),
      );
      faultPoint('media.midWrite', 'vhd/org/photos/c');
      expect((await readFile(trace, 'utf8')).trim().split('\n')).toEqual([
        'media.midWrite vhd/org/photos/a',
        'media.midWrite vhd/org/photos/b',
        'media.midWrite vhd/org/photos/c',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('are refused with NODE_ENV=production', () => {
    vi.stubEnv(FAULT_POINTS_ENV, '/tmp/trace');
    const production = {
      NODE_ENV: 'production',
      CLERK_JWT_KEY: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----',
      CLOUDINARY_URL: 'cloudinary://key:secret@cloud',
      PUBLIC_URL: 'https://sync.example.com',
    };
    expect(() => loadConfig(production)).toThrow(/refuses to start with fault points for trials/);
    vi.stubEnv(FAULT_POINTS_ENV, '');
    expect(() => loadConfig(production)).not.toThrow();
  });
});

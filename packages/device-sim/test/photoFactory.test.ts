import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { generatePhoto, PHOTO_SIZES, writePhoto } from '../src/photoFactory';

function expectValidJpeg(data: Buffer, width: number, height: number, seed: number) {
  const decoded = jpeg.decode(data, { useTArray: true, maxMemoryUsageInMB: 1024 });
  expect(decoded.width).toBe(width);
  expect(decoded.height).toBe(height);
  expect(decoded.data.length).toBe(width * height * 4);
  expect(decoded.comments).toContain(`vhd device-sim photo seed=${seed}`);
  // Not a flat image: real pixel variation, as a camera's would have.
  const sample = Array.from(decoded.data.subarray(0, 4000)).filter((_, i) => i % 4 === 0);
  expect(new Set(sample).size).toBeGreaterThan(50);
}

describe('photoFactory', () => {
  it.each([
    { name: 'small', targetBytes: PHOTO_SIZES.small },
    { name: 'typical', targetBytes: PHOTO_SIZES.typical },
    { name: 'large', targetBytes: PHOTO_SIZES.large },
  ])('makes a decodable $name JPEG ($targetBytes bytes ± 10 percent)', ({ targetBytes }) => {
    const photo = generatePhoto({ seed: 5, targetBytes });
    expect(photo.jpeg.length).toBeGreaterThan(targetBytes * 0.9);
    expect(photo.jpeg.length).toBeLessThan(targetBytes * 1.1);
    expect(photo.width / photo.height).toBeCloseTo(4 / 3, 1);
    expectValidJpeg(photo.jpeg, photo.width, photo.height, 5);
  });

  it('is deterministic from the seed, and seeds give different photos', () => {
    const a = generatePhoto({ seed: 1, targetBytes: 50_000 });
    const b = generatePhoto({ seed: 1, targetBytes: 50_000 });
    const c = generatePhoto({ seed: 2, targetBytes: 50_000 });
    expect(a.jpeg.equals(b.jpeg)).toBe(true);
    expect(a.jpeg.equals(c.jpeg)).toBe(false);
  });

  it('refuses sizes and qualities it cannot honour', () => {
    expect(() => generatePhoto({ seed: 1, targetBytes: 500 })).toThrow(/targetBytes/);
    expect(() => generatePhoto({ seed: 1, targetBytes: 1e9 })).toThrow(/targetBytes/);
    expect(() => generatePhoto({ seed: 1, targetBytes: 50_000, quality: 0 })).toThrow(/quality/);
  });

  it('writes the photo into a new folder and reports what it wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vhd-photos-'));
    try {
      const written = await writePhoto(join(dir, 'photos', 'p1.jpg'), { seed: 3, targetBytes: 80_000 });
      expect((await stat(written.path)).size).toBe(written.bytes);
      expectValidJpeg(await readFile(written.path), written.width, written.height, 3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

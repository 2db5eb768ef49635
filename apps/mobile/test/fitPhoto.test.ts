import {
  FREE_PLAN_LIMITS,
  fitPhoto,
  type PhotoOps,
  type Picture,
  sizeWithin,
} from '../services/photos/fitPhoto';

// A stand-in for expo-image-manipulator (test double): a rendered JPEG's size is its pixel count
// times a factor that grows with quality, like a camera photo's.
function fakeOps(bytesPerPixelAtFull: number, original: Picture & { bytes: number }) {
  const sizes = new Map<string, number>([[original.uri, original.bytes]]);
  const renders: Array<{ size: { width: number; height: number } | null; quality: number }> = [];
  const ops: PhotoOps = {
    async render(_uri, size, quality) {
      renders.push({ size, quality });
      const { width, height } = size ?? original;
      const uri = `file:///render-${renders.length}.jpg`;
      sizes.set(uri, Math.round(width * height * bytesPerPixelAtFull * quality));
      return { uri, width, height };
    },
    async bytesOf(uri) {
      return sizes.get(uri)!;
    },
  };
  return { ops, renders };
}

describe('fitting a captured photo within the media store limits', () => {
  it('keeps a photo that fits as it is (nothing re-encoded)', async () => {
    const photo = { uri: 'file:///a.jpg', width: 4032, height: 3024, bytes: 3_500_000 };
    const { ops, renders } = fakeOps(0.5, photo);
    expect(await fitPhoto(photo, FREE_PLAN_LIMITS, ops)).toBe(photo);
    expect(renders).toEqual([]);
  });

  it('resizes a photo over the pixel limit to just within it, keeping its aspect ratio', async () => {
    const photo = { uri: 'file:///big.jpg', width: 8000, height: 6000, bytes: 9_000_000 };
    const { ops, renders } = fakeOps(0.3, photo);
    const fitted = await fitPhoto(photo, FREE_PLAN_LIMITS, ops);
    expect(fitted.width * fitted.height).toBeLessThanOrEqual(25_000_000);
    expect(fitted.width * fitted.height).toBeGreaterThan(24_900_000);
    expect(fitted.width / fitted.height).toBeCloseTo(4 / 3, 2);
    expect(renders).toHaveLength(1);
  });

  it('re-encodes a photo whose file is too large, shrinking only when quality alone is not enough', async () => {
    const photo = { uri: 'file:///heavy.jpg', width: 4000, height: 3000, bytes: 14_000_000 };
    const { ops, renders } = fakeOps(1.2, photo);
    const fitted = await fitPhoto(photo, FREE_PLAN_LIMITS, ops);
    expect(await ops.bytesOf(fitted.uri)).toBeLessThanOrEqual(FREE_PLAN_LIMITS.maxBytes);
    // 12 MP at 0.8 → 11.5 MB (over), at 0.65 → 9.4 MB (fits): no resize needed.
    expect(renders).toEqual([
      { size: null, quality: 0.8 },
      { size: null, quality: 0.65 },
    ]);
    expect(fitted).toMatchObject({ width: 4000, height: 3000 });
  });

  it('says so when no smaller file can be made', async () => {
    const photo = { uri: 'file:///noise.jpg', width: 4000, height: 3000, bytes: 50_000_000 };
    const { ops } = fakeOps(1_000, photo);
    await expect(fitPhoto(photo, { maxBytes: 1_000, maxPixels: 25_000_000 }, ops)).rejects.toThrow(
      /could not be made smaller than 1000 bytes/,
    );
  });

  it('sizeWithin: null when within; else the largest size within', () => {
    expect(sizeWithin(5000, 5000, 25_000_000)).toBeNull();
    const size = sizeWithin(9000, 4000, 25_000_000)!;
    expect(size.width * size.height).toBeLessThanOrEqual(25_000_000);
    expect(size).toEqual({ width: 7500, height: 3333 });
  });
});

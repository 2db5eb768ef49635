// Real JPEG files of realistic sizes for the simulated technicians' cameras, generated (not
// downloaded) with jpeg-js and deterministic from a seed: a coloured gradient under per-pixel
// noise. The noise is what makes the size realistic — a camera's sensor noise and detail are why
// phone photos are megabytes — and it keeps pixel counts (and so encoding time) moderate.
//
// Encoding is synchronous CPU work (~7 MB of JPEG per second here; a 20 MB photo takes ~3 s):
// generate photos before the simulated clock starts, or in a process other than the one whose
// memory or timing is measured.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import jpeg from 'jpeg-js';
import { SeededRandom } from './seededRandom';

/** The sizes the simulator and benchmarks use. */
export const PHOTO_SIZES = {
  small: 200_000,
  typical: 2_000_000,
  large: 20_000_000,
} as const;

export interface PhotoOptions {
  seed: number;
  /** Wanted file size in bytes (10 kB … 50 MB). */
  targetBytes: number;
  /** JPEG quality 1–100 (default 92). */
  quality?: number;
  /** Accepted relative distance from the target before one corrective re-encode (default 0.1). */
  tolerance?: number;
}

export interface Photo {
  jpeg: Buffer;
  width: number;
  height: number;
  quality: number;
}

export interface WrittenPhoto {
  path: string;
  bytes: number;
  width: number;
  height: number;
}

const MIN_TARGET = 10_000;
const MAX_TARGET = 50_000_000;
/** Noise amplitude (share of full scale): sets bytes per pixel, ~1.5 at quality 92. */
const NOISE = 0.5;
const PROBE_WIDTH = 320;

function render(width: number, height: number, seed: number): Uint8ClampedArray {
  const random = SeededRandom.fromSeed(seed);
  // Per-photo colours and direction, so photos from different seeds look different.
  const base = [random.int(0, 255), random.int(0, 255), random.int(0, 255)];
  const tilt = random.uniform(-1, 1);
  const pixels = new Uint8ClampedArray(width * height * 4);
  let i = 0;
  for (let y = 0; y < height; y++) {
    const v = y / height;
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const n = random.nextInt32();
      pixels[i++] = base[0]! * (1 - u) + 255 * u * v + ((n & 0xff) - 128) * NOISE;
      pixels[i++] = base[1]! * (1 - v) + 255 * (u + tilt * v) * 0.5 + (((n >>> 8) & 0xff) - 128) * NOISE;
      pixels[i++] = base[2]! * v + 255 * (1 - u) * 0.5 + (((n >>> 16) & 0xff) - 128) * NOISE;
      pixels[i++] = 255;
    }
  }
  return pixels;
}

function encode(width: number, height: number, seed: number, quality: number): Photo {
  const data = render(width, height, seed);
  const out = jpeg.encode({ data, width, height, comments: [`vhd device-sim photo seed=${seed}`] }, quality);
  return { jpeg: out.data, width, height, quality };
}

/** 4:3 landscape dimensions, multiples of 8, with about `pixels` pixels. */
function dimensionsFor(pixels: number): { width: number; height: number } {
  const width = Math.max(16, Math.round(Math.sqrt((pixels * 4) / 3) / 8) * 8);
  return { width, height: Math.max(8, Math.round((width * 3) / 4 / 8) * 8) };
}

/**
 * A JPEG close to `targetBytes`: a small probe measures bytes per pixel for this seed and quality,
 * the photo is sized from it, and re-encoded once more if it still misses by over `tolerance`.
 */
export function generatePhoto(options: PhotoOptions): Photo {
  const { seed, targetBytes } = options;
  const quality = options.quality ?? 92;
  const tolerance = options.tolerance ?? 0.1;
  if (!(targetBytes >= MIN_TARGET && targetBytes <= MAX_TARGET)) {
    throw new RangeError(`targetBytes must be between ${MIN_TARGET} and ${MAX_TARGET}, got ${targetBytes}`);
  }
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
    throw new RangeError(`quality must be an integer 1–100, got ${quality}`);
  }
  const probe = encode(PROBE_WIDTH, (PROBE_WIDTH * 3) / 4, seed, quality);
  const bytesPerPixel = probe.jpeg.length / (probe.width * probe.height);
  let size = dimensionsFor(targetBytes / bytesPerPixel);
  let photo = encode(size.width, size.height, seed, quality);
  const miss = photo.jpeg.length / targetBytes;
  if (Math.abs(miss - 1) > tolerance) {
    size = dimensionsFor((size.width * size.height) / miss);
    photo = encode(size.width, size.height, seed, quality);
  }
  return photo;
}

/** Generates a photo and writes it to `path` (creating folders). */
export async function writePhoto(path: string, options: PhotoOptions): Promise<WrittenPhoto> {
  const photo = generatePhoto(options);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, photo.jpeg);
  return { path, bytes: photo.jpeg.length, width: photo.width, height: photo.height };
}

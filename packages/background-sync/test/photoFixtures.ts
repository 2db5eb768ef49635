// Test fixtures for the photo queue tests: photo files (a valid JPEG header, the rest random, so
// the media store's content probe accepts them at any size), ports on a temp documents folder.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodePorts, type NodePorts, type NodePortsOptions } from '../node/nodePorts';
import type { PhotoQueueReport } from '../src/photoQueue';
import type { Logger } from '../src/ports';
import type { SyncSettings } from '../src/settings';

// An 8×8 grey baseline JPEG (jpeg-js, quality 10). Bytes after its end marker are ignored by decoders.
const TINY_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAFA3PEY8MlBGQUZaVVBfeMiCeG5uePWvuZHI////////////////////////////' +
    '//////////////////////8BVVpaeGl464KC6///////////////////////////////////////////////////////////' +
    '///////////////AABEIAAgACAMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMF' +
    'BQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElK' +
    'U1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV' +
    '1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncA' +
    'AQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZ' +
    'WmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri' +
    '4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/ACgD/9k=',
  'base64',
);

/** A JPEG file of exactly `bytes` bytes: a valid tiny image, then random data. */
export function photoBytes(bytes: number): Buffer {
  if (bytes < TINY_JPEG.length) throw new RangeError(`a test photo needs at least ${TINY_JPEG.length} bytes`);
  return Buffer.concat([TINY_JPEG, randomBytes(bytes - TINY_JPEG.length)]);
}

/** Writes a camera-like file (outside the documents folder) and returns its path and content. */
export function capturePhoto(dir: string, bytes: number): { photoId: string; path: string; data: Buffer } {
  const photoId = randomUUID();
  const data = photoBytes(bytes);
  const path = join(dir, `capture-${photoId}.jpg`);
  writeFileSync(path, data);
  return { photoId, path, data };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Node ports on a fresh temp folder: `<root>/documents` is the documents directory, `root` holds captures. */
export function photoTestPorts(
  options: Partial<NodePortsOptions> & Pick<NodePortsOptions, 'apiUrl' | 'getToken'>,
): NodePorts & { captureDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'vhd-photos-'));
  const ports = createNodePorts({ documentsDir: join(root, 'documents'), logger: silentLogger, ...options });
  return { ...ports, captureDir: root };
}

/** Configuration of photoQueueChild.ts. */
export interface PhotoChildConfig {
  dbDir: string;
  dbFile: string;
  apiUrl: string;
  /** A bearer token valid for the whole pass. */
  token: string;
  documentsDir: string;
  settings?: Partial<SyncSettings>;
  /** Photos to enqueue first (captured files). */
  enqueue?: Array<{ photoId: string; path: string }>;
  /** Upload pending CRUD (the photo rows) before the pass. */
  uploadCrudFirst?: boolean;
  /** SIGKILL itself at the named kill point "after the store saved, before SYNCED". */
  killAtStoreSaved?: boolean;
  /** Sample memory held (after a collection) every 5 ms during the pass. */
  sampleMemory?: boolean;
}

export interface PhotoChildReport {
  result: PhotoQueueReport;
  memory?: { baselineRss: number; peakRss: number; baselineArrayBuffers: number; peakArrayBuffers: number };
}

const CHILD = fileURLToPath(new URL('./photoQueueChild.ts', import.meta.url));

/** Runs photoQueueChild.ts to its end (or its kill): exit signal, report, stderr. */
export function runPhotoChild(config: PhotoChildConfig): Promise<{
  code: number | null;
  signal: NodeJS.Signals | null;
  report?: PhotoChildReport;
  stderr: string;
}> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD], {
    env: { ...process.env, PHOTO_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const line = stdout.split('\n').find((l) => l.startsWith('report '));
      resolve({
        code,
        signal,
        stderr,
        ...(line ? { report: JSON.parse(line.slice('report '.length)) as PhotoChildReport } : {}),
      });
    });
  });
}

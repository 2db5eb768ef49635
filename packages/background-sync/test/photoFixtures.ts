// Test fixtures for the photo queue tests: photo files (a valid JPEG header, the rest random, so
// the media store's content probe accepts them at any size), ports on a temp documents folder.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodePorts, type NodePorts, type NodePortsOptions } from '../node/nodePorts';
import type { Logger } from '../src/ports';

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

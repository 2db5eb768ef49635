// One photo's upload through the real Node adapter against a scripted HTTP endpoint: what each
// kind of answer or failure means for the item (an attempt or not), and stall detection.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeUploadFile } from '../node/nodeUploadFile';
import { AbortError } from '../src/abort';
import { classify } from '../src/failurePolicy';
import { uploadPhoto } from '../src/photoUpload';
import { RunBudget } from '../src/runBudget';
import { capturePhoto } from './photoFixtures';

let dir: string;
let server: Server;
let url: string;
let answer: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'photo-upload-'));
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function json(status: number, body: unknown) {
  return (_req: IncomingMessage, res: ServerResponse) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function upload(
  path: string,
  signal = new AbortController().signal,
  stallMs = 5_000,
  drainFloorBytesPerSec = 10_000,
) {
  return uploadPhoto({
    uploadFile: nodeUploadFile,
    path,
    url,
    fields: { public_id: 'p' },
    budget: new RunBudget({ signal }),
    stallMs,
    drainFloorBytesPerSec,
  });
}

const online = { getState: async () => ({ online: true, metered: false }) };

/** The upload, and for a failure what the failure policy makes of it. */
async function verdict(
  path: string,
  ...rest: Parameters<typeof upload> extends [string, ...infer R] ? R : never
) {
  const outcome = await upload(path, ...rest);
  return outcome.kind === 'failed' ? await classify(outcome.failure, online) : outcome;
}

describe('uploadPhoto', () => {
  it('reads the confirmation from a success, and whether the store already had the file', async () => {
    const { path } = capturePhoto(dir, 10_000);
    answer = json(200, { public_id: 'vhd/o/photos/p', version: 17, signature: 'abc', existing: true });
    expect(await upload(path)).toEqual({
      kind: 'stored',
      confirmation: { publicId: 'vhd/o/photos/p', version: 17, signature: 'abc' },
      existing: true,
      sentBytes: 10_000,
    });
  });

  it('counts a 4xx against the item, never a 5xx or 408', async () => {
    const { path } = capturePhoto(dir, 1_000);
    answer = json(400, { error: { message: 'Invalid image file' } });
    expect(await verdict(path)).toEqual({
      fate: 'attempt',
      reason: 'media store HTTP 400: Invalid image file',
    });
    for (const status of [500, 503, 408]) {
      answer = json(status, {});
      expect(await verdict(path)).toEqual({ fate: 'transient', reason: `media store HTTP ${status}` });
    }
  });

  it("reads Cloudinary's answers by what they mean: rate limit, stale request, over the limit, an unconfirmed success", async () => {
    const { path } = capturePhoto(dir, 1_000);
    for (const status of [420, 429]) {
      answer = json(status, { error: { message: 'Rate Limit Exceeded' } });
      expect(await verdict(path)).toMatchObject({ fate: 'stop', stop: { cause: 'server_unavailable' } });
    }
    for (const status of [400, 401]) {
      answer = json(status, {
        error: {
          message: 'Stale request - reported time is 2026-12-06 07:00:00 +0000 which is more than 1 hour ago',
        },
      });
      expect(await verdict(path)).toMatchObject({ fate: 'resign', confirmExisting: false });
    }
    answer = json(400, { error: { message: 'File size too large. Got 12419652. Maximum is 10485760.' } });
    expect(await verdict(path)).toEqual({
      fate: 'fail',
      reason: 'media store HTTP 400: File size too large. Got 12419652. Maximum is 10485760.',
    });
    answer = json(400, {
      error: { message: 'Image too large: 6000x5000 is 30000000 pixels. Maximum is 25000000.' },
    });
    expect(await verdict(path)).toMatchObject({ fate: 'fail' });
    // An existing asset's answer without its signature: for the server to confirm, not the photo's fault.
    answer = json(200, { public_id: 'vhd/o/photos/p', version: 3, existing: true });
    expect(await verdict(path)).toMatchObject({ fate: 'resign', confirmExisting: true });
    // A success that is not JSON at all is a malformed answer: the pass stops, no attempt.
    answer = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>ok</html>');
    expect(await verdict(path)).toEqual({
      fate: 'stop',
      stop: {
        cause: 'server_unavailable',
        reason: 'malformed media store answer: a success without a JSON object',
      },
    });
  });

  it('abandons an upload whose answer never comes as transient (not an attempt)', async () => {
    const { path } = capturePhoto(dir, 1_000);
    answer = () => {}; // reads everything, never answers
    // The whole body was handed over: stall time + 1,000 bytes at 10,000 B/s.
    const outcome = await upload(path, new AbortController().signal, 300);
    expect(outcome).toMatchObject({
      kind: 'failed',
      failure: { kind: 'transfer', message: 'no answer 400 ms after the whole body was handed over' },
      sentBytes: 1_000,
    });
    expect(
      await classify((outcome as { failure: Parameters<typeof classify>[0] }).failure, online),
    ).toMatchObject({
      fate: 'transient',
    });
  });

  it('waits longer than the stall time for an answer while a handed-over body may still be draining', async () => {
    // A slow link behind large socket buffers: no progress event after the last byte is handed
    // over, yet the store answers once the bytes arrive (here after 3× the stall time).
    const { path } = capturePhoto(dir, 2_000);
    answer = (_req, res) => {
      setTimeout(
        () => json(200, { public_id: 'vhd/o/photos/p', version: 1, signature: 's' })(_req, res),
        900,
      );
    };
    // Allowance: 300 ms + 2,000 bytes at 1,000 B/s = 2.3 s.
    expect(await upload(path, new AbortController().signal, 300, 1_000)).toMatchObject({ kind: 'stored' });
  });

  it('reports the run’s abort as aborted, a connection reset as transient, a missing file as unreadable', async () => {
    const { path } = capturePhoto(dir, 1_000);
    answer = () => {};
    const controller = new AbortController();
    const pending = upload(path, controller.signal);
    setTimeout(() => controller.abort(new AbortError('app became active')), 50);
    expect(await pending).toMatchObject({ kind: 'aborted', reason: { message: 'app became active' } });

    answer = (req) => req.socket.destroy();
    expect(await verdict(path)).toMatchObject({
      fate: 'transient',
      reason: expect.stringMatching(/^upload failed/),
    });

    expect(await upload(join(dir, 'gone.jpg'))).toMatchObject({
      kind: 'failed',
      failure: { kind: 'unreadable', missing: true },
    });
  });
});

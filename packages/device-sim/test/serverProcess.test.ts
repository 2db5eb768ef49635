// The trials' server child: a request sent the instant it was SIGKILLed (its IPC channel not yet seen
// closed, so the write fails with EPIPE) goes to the next incarnation instead of crashing the trials.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@vhd/server/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ServerProcess } from '../src/backend/serverProcess';

let dir: string;
let server: ServerProcess;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vhd-server-process-'));
  server = await ServerProcess.start({
    dataDir: dir,
    port: await freePort(),
    powersyncUrl: 'http://127.0.0.1:9',
    restartDelayMs: 0,
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

it('answers a statement sent right after a SIGKILL from the restarted server', async () => {
  for (let round = 1; round <= 3; round++) {
    server.kill();
    // The child is dead within this blocking pause, but Node has not yet seen its channel close.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    const answer = server.query<{ one: number }>('SELECT 1 AS one');
    await expect(answer).resolves.toMatchObject({ rows: [{ one: 1 }] });
    expect(server.starts).toBe(round + 1);
  }
}, 120_000);

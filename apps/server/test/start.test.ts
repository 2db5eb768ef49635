import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serverDir = join(import.meta.dirname, '..');

/** `npm start -w @vhd/server` without npm in between, so signals reach the server itself. */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) resolve(url);
    });
    exited.then((code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}

describe('npm start', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'vhd-start-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints its URL and mode, serves, keeps PGlite data under DATA_DIR, and shuts down gracefully on SIGTERM', async () => {
    const first = start({ DATA_DIR: dataDir });
    children.push(first.child);
    const url = await first.listening;
    expect(first.output().stdout).toMatch(/PGlite \(.*\/pglite\), dev auth, dev media store/);
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'ok', database: 'pglite' });
    const session = (await (await fetch(`${url}/dev/session`, { method: 'POST' })).json()) as {
      token: string;
    };
    const id = crypto.randomUUID();
    const upload = await fetch(`${url}/api/powersync/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'start-test',
        batch: [{ op_id: 1, op: 'PUT', type: 'schedules', id, data: {} }],
      }),
    });
    expect(await upload.json()).toEqual({ applied: [1], rejected: [] });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // Same DATA_DIR: the same database (the PATCH finds its row) and dev key (the old token verifies).
    const second = start({ DATA_DIR: dataDir });
    children.push(second.child);
    const url2 = await second.listening;
    const patch = await fetch(`${url2}/api/powersync/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'start-test',
        batch: [{ op_id: 2, op: 'PATCH', type: 'schedules', id, data: { notes: 'after restart' } }],
      }),
    });
    expect(await patch.json()).toEqual({ applied: [2], rejected: [] });
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 60_000);

  it('refuses to start in production with dev modes, saying why', async () => {
    const run = start({ DATA_DIR: dataDir, NODE_ENV: 'production' });
    children.push(run.child);
    const listened = run.listening.then(
      () => true,
      () => false,
    );
    expect(await run.exited).toBe(1);
    expect(run.output().stderr).toMatch(/NODE_ENV=production refuses to start with dev auth/);
    expect(await listened).toBe(false);
  }, 30_000);
});

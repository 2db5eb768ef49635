// The backend in its own process, started the way `npm start -w @vhd/server` starts it (its main
// module) on embedded defaults: a temp DATA_DIR with PGlite, dev auth and the dev media store, or
// on a Postgres database when given one. Its JSON request log gives the server-side time of every
// CRUD upload request.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '@vhd/server/testing';

const SERVER_MAIN = join(dirname(fileURLToPath(import.meta.resolve('@vhd/server'))), 'main.ts');
const UPLOAD_PATH = '/api/powersync/upload';

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Server-side milliseconds of the CRUD upload requests answered since the last call. */
  takeUploadTimes(): number[];
  /** A dev-auth session token for this user, minted by the server directly (not through the link). */
  sessionToken(user: string, org: string): Promise<string>;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** Postgres instead of PGlite. */
  databaseUrl?: string;
  /** A DATA_DIR shared with other instances (same dev-auth key); the caller removes it. */
  dataDir?: string;
  /** More environment (settings such as DATABASE_POOL_MAX, LOG_LEVEL). */
  env?: Record<string, string>;
  /** Node options for the server process, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** PUBLIC_URL, when instances share one (behind a load balancer: dev auth's token issuer). */
  publicUrl?: string;
}

export async function startServerProcess(opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'vhd-bench-server-')));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Embedded defaults, whatever the developer's shell has set.
  for (const name of ['DATABASE_URL', 'CLERK_JWT_KEY', 'CLOUDINARY_URL', 'POWERSYNC_URL', 'PUBLIC_URL']) {
    delete env[name];
  }
  Object.assign(env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    // The per-user and per-IP rate limits protect production; a benchmark measures transfer, not the
    // limiters (its devices all come from 127.0.0.1).
    RATE_LIMIT_MAX: '1000000',
    IP_RATE_LIMIT_MAX: '1000000',
    // The 20 MB photos of the transfer benchmarks are over the Free plan's 10 MiB: the store takes
    // 40 MiB here, as a paid plan would.
    MEDIA_MAX_BYTES: String(40 * 1024 * 1024),
    CLERK_TELEMETRY_DISABLED: '1',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...(opts.publicUrl ? { PUBLIC_URL: opts.publicUrl } : {}),
    ...opts.env,
  });
  const child: ChildProcess = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', SERVER_MAIN],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });

  const uploadRequests = new Set<string>();
  let uploadTimes: number[] = [];
  const listening = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('VHD server listening')) return resolve();
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as {
        reqId?: string;
        req?: { url?: string };
        responseTime?: number;
      };
      if (!entry.reqId) return;
      if (entry.req?.url === UPLOAD_PATH) uploadRequests.add(entry.reqId);
      else if (entry.responseTime !== undefined && uploadRequests.delete(entry.reqId)) {
        uploadTimes.push(entry.responseTime);
      }
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the server exited before listening (${code ?? signal}):\n${stderr}`)),
    );
  });
  await listening;

  return {
    url,
    port,
    pid: child.pid!,
    takeUploadTimes() {
      const taken = uploadTimes;
      uploadTimes = [];
      return taken;
    },
    async sessionToken(user, org) {
      const res = await fetch(`${url}/dev/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, org, expiresInSec: 4 * 3600 }),
      });
      if (!res.ok) throw new Error(`dev session: HTTP ${res.status}`);
      return ((await res.json()) as { token: string }).token;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// The engine's ports on Node (the device simulator, tests, benchmarks): fetch, the wall clock, the
// file system, a settable connectivity state, a token function and a console logger.
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sleep } from '../src/abort';
import type { DevicePort } from '../src/backgroundCapability';
import type {
  Clock,
  Connectivity,
  ConnectivityState,
  FetchPort,
  FilesPort,
  Logger,
  Ports,
  TokenProvider,
  UploadFilePort,
} from '../src/ports';
import { nodeUploadFile } from './nodeUploadFile';

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, signal),
};

/** Connectivity the test or simulator sets (the OS's word on network state). */
export class SettableConnectivity implements Connectivity {
  private state: ConnectivityState;

  constructor(initial: ConnectivityState = { online: true, metered: false }) {
    this.state = { ...initial };
  }

  async getState(): Promise<ConnectivityState> {
    return { ...this.state };
  }

  set(change: Partial<ConnectivityState>): void {
    this.state = { ...this.state, ...change };
  }
}

export const nodeFiles: FilesPort = {
  async info(path) {
    try {
      const s = await stat(path);
      return { exists: s.isFile(), size: s.size };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, size: 0 };
      throw e;
    }
  },
  async move(from, to) {
    await mkdir(dirname(to), { recursive: true });
    try {
      await rename(from, to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await copyFile(from, to);
      await rm(from, { force: true });
    }
  },
  async remove(path) {
    await rm(path, { force: true });
  },
};

export const nodeFetch: FetchPort = (url, init) => fetch(url, init);

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** One JSON line per message on stderr, at or above `level`. */
export function consoleLogger(level: LogLevel = 'info', name = 'background-sync'): Logger {
  const at = LEVELS[level];
  const write = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, data?: Record<string, unknown>) => {
    if (LEVELS[lvl] < at) return;
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: lvl, name, msg, ...data })}\n`,
    );
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export interface NodePortsOptions {
  apiUrl: string;
  documentsDir: string;
  /** A fresh Clerk session token (or a dev-auth token), or null when signed out. */
  getToken: TokenProvider['getToken'];
  connectivity?: ConnectivityState;
  logger?: Logger;
  fetch?: FetchPort;
  uploadFile?: UploadFilePort;
  clock?: Clock;
  /** This device, for the sync health report (none: runs are not reported). */
  device?: DevicePort;
}

export type NodePorts = Ports & { connectivity: SettableConnectivity };

export function createNodePorts(options: NodePortsOptions): NodePorts {
  return {
    fetch: options.fetch ?? nodeFetch,
    uploadFile: options.uploadFile ?? nodeUploadFile,
    files: nodeFiles,
    clock: options.clock ?? systemClock,
    connectivity: new SettableConnectivity(options.connectivity),
    auth: { getToken: options.getToken },
    logger: options.logger ?? consoleLogger(),
    documentsDir: options.documentsDir.replace(/\/+$/, ''),
    apiUrl: options.apiUrl.replace(/\/+$/, ''),
    ...(options.device ? { device: options.device } : {}),
  };
}

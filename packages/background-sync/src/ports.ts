// The platform comes in through these ports; Expo and Node each supply one small file of them.
// Nothing in the engine imports a Node, Expo or React Native module.
import type { DevicePort } from './backgroundCapability';

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

/** Wall clock. Budgets are measured on it because the OS may suspend JS timers. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface ConnectivityState {
  online: boolean;
  /** Cellular or otherwise metered: the Wi-Fi-only photo setting skips uploads then. */
  metered: boolean;
}

export interface Connectivity {
  getState(): Promise<ConnectivityState>;
}

/** The subset of WHATWG fetch the engine uses (expo/fetch and Node's fetch both fit). */
export type FetchPort = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface UploadFileResult {
  status: number;
  body: string;
}

/** A part of the file to send, and headers to send with it (a chunk of a chunked upload). */
export interface UploadFileOptions {
  /** Bytes [start, end) of the file, sent as the file part; default the whole file. */
  range?: { start: number; end: number };
  headers?: Record<string, string>;
}

/**
 * Streams the file at `localPath` (absolute) as a multipart POST with `fields` plus `file`.
 * Must not hold the whole file in JS memory. Rejects on network failure or abort.
 * `sendsRanges`: the port honours `options.range` (else the engine uploads whole files only).
 */
export type UploadFilePort = ((
  localPath: string,
  url: string,
  fields: Record<string, string>,
  signal: AbortSignal,
  onProgress?: (sentBytes: number, totalBytes: number) => void,
  options?: UploadFileOptions,
) => Promise<UploadFileResult>) & { readonly sendsRanges?: boolean };

export interface FileInfo {
  exists: boolean;
  size: number;
}

/** Files under the app's documents directory; paths here are absolute. */
export interface FilesPort {
  info(path: string): Promise<FileInfo>;
  /** Moves (or copies then deletes) `from` to `to`, creating parent folders. */
  move(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
}

export interface TokenProvider {
  /** A fresh Clerk session token, or null when no user is signed in. */
  getToken(options?: { forceRefresh?: boolean }): Promise<string | null>;
}

export interface Ports {
  fetch: FetchPort;
  uploadFile: UploadFilePort;
  files: FilesPort;
  clock: Clock;
  connectivity: Connectivity;
  auth: TokenProvider;
  logger: Logger;
  /** Absolute path (or file:// URI) of the app's documents directory, without a trailing slash. */
  documentsDir: string;
  /** Base URL of our server, e.g. http://127.0.0.1:3000 (no trailing slash). */
  apiUrl: string;
  /** This device and its background capability; with it, each run reports to the server's sync health. */
  device?: DevicePort;
}

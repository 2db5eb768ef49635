// Counts what the device sends, for engine and baseline alike: requests by kind, application
// payload bytes, photo bytes the store accepted, and the photo span (first signing request to the
// last upload response) that link utilisation is measured over. It also routes every request
// through the link: the dev media store's URLs name the server's own origin, and a phone reaches
// that host over its radio like every other.
import { stat } from 'node:fs/promises';
import { type FetchPort, type UploadFilePort, utf8Length } from '@vhd/background-sync';
import type { RequestCounts } from './protocol';

export class Meter {
  readonly requests: RequestCounts = { crud: 0, sign: 0, upload: 0, other: 0 };
  payloadBytes = 0;
  photosStored = 0;
  /** Upload requests that failed, were refused or were abandoned (stall, abort). */
  uploadsFailed = 0;
  longestSilenceMs = 0;
  /** File bytes the store confirmed: whole photos, and chunks of chunked ones. */
  fileBytesStored = 0;
  firstSignAt: number | undefined;
  lastUploadAt: number | undefined;
  private readonly serverOrigin: string;
  private readonly linkOrigin: string;

  constructor(serverUrl: string, linkUrl: string) {
    this.serverOrigin = new URL(serverUrl).origin;
    this.linkOrigin = new URL(linkUrl).origin;
  }

  /** The same URL, reached through the link. */
  viaLink(url: string): string {
    return url.startsWith(this.serverOrigin) ? this.linkOrigin + url.slice(this.serverOrigin.length) : url;
  }

  /**
   * Sends one request through `send` and records it. `payloadBytes`: the application bytes of
   * its body; `fileBytes`: the photo it carries, if any.
   */
  async record<R extends { status: number }>(
    url: string,
    payloadBytes: number,
    fileBytes: number,
    send: (url: string) => Promise<R>,
  ): Promise<R> {
    const kind = requestKind(url);
    this.requests[kind]++;
    this.payloadBytes += payloadBytes;
    if (kind === 'sign') this.firstSignAt ??= performance.now();
    let stored: 'photo' | 'chunk' | null = null;
    try {
      const res = await send(this.viaLink(url));
      if (kind === 'upload' && res.status >= 200 && res.status < 300) {
        // A chunk that is not the last is answered `done: false`: its bytes are confirmed, no photo yet.
        const body = (res as { body?: unknown }).body;
        stored = typeof body === 'string' && /"done"\s*:\s*false/.test(body) ? 'chunk' : 'photo';
      }
      return res;
    } finally {
      // A failed or abandoned upload ends the photo span too: its time on the link was spent.
      if (kind === 'upload') {
        this.lastUploadAt = performance.now();
        if (stored) {
          if (stored === 'photo') this.photosStored++;
          this.fileBytesStored += fileBytes;
        } else this.uploadsFailed++;
      }
    }
  }

  /** The engine's fetch port, metered. */
  readonly fetch: FetchPort = (url, init) =>
    this.record(url, init?.body === undefined ? 0 : utf8Length(init.body), 0, (to) => fetch(to, init));

  /**
   * An uploadFile port, metered. It also notes the longest silence between an upload's last
   * progress event (its last bytes handed to the OS) and its end: the time its bytes sat in
   * socket buffers, invisible to a stall detector.
   */
  uploadFile(inner: UploadFilePort): UploadFilePort {
    const metered: UploadFilePort = async (localPath, url, fields, signal, onProgress, request) => {
      const range = request?.range;
      const size = range ? range.end - range.start : (await stat(localPath)).size;
      let lastProgressAt = performance.now();
      try {
        return await this.record(url, size + fieldBytes(fields), size, (to) =>
          inner(
            localPath,
            to,
            fields,
            signal,
            (sent, total) => {
              lastProgressAt = performance.now();
              onProgress?.(sent, total);
            },
            request,
          ),
        );
      } finally {
        this.longestSilenceMs = Math.max(this.longestSilenceMs, performance.now() - lastProgressAt);
      }
    };
    return inner.sendsRanges ? Object.assign(metered, { sendsRanges: true }) : metered;
  }
}

export function fieldBytes(fields: Record<string, string>): number {
  return Object.entries(fields).reduce((n, [k, v]) => n + utf8Length(k) + utf8Length(v), 0);
}

function requestKind(url: string): keyof RequestCounts {
  const path = new URL(url).pathname;
  if (path === '/api/powersync/upload') return 'crud';
  if (path === '/api/cloudinaryUpload') return 'sign';
  if (path.endsWith('/image/upload')) return 'upload';
  return 'other';
}

// A bare HTTP client of the sync stream for protocol tests: posts a request and reads NDJSON lines.
type Line = Record<string, unknown>;

export interface RawStream {
  status: number;
  contentType: string | null;
  contentEncoding: string | null;
  /** The next line; rejects when none arrives within `timeoutMs` or the stream ended. */
  next(timeoutMs?: number): Promise<Line>;
  /** Reads lines until one has `key` (returning it and everything before it). */
  until(key: string, timeoutMs?: number): Promise<Line[]>;
  /** Whether the stream ended from the server side. */
  readonly ended: boolean;
  close(): void;
}

export async function openStream(
  url: string,
  token: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/sync/stream`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/x-ndjson',
      ...(token === undefined ? {} : { authorization: `Token ${token}` }),
      ...headers,
    },
    body: JSON.stringify(body),
    signal: abort.signal,
  });
  const lines: Line[] = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value;
          let nl = buffer.indexOf('\n');
          while (nl >= 0) {
            lines.push(JSON.parse(buffer.slice(0, nl)) as Line);
            buffer = buffer.slice(nl + 1);
            nl = buffer.indexOf('\n');
          }
          wake();
        }
        ended = true;
      } catch {
        // aborted by close()
      }
      wake();
    })();
  } else {
    await res.text();
  }

  const next = async (timeoutMs = 5_000): Promise<Line> => {
    const deadline = Date.now() + timeoutMs;
    while (lines.length === 0) {
      if (ended) throw new Error('stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return lines.shift() as Line;
  };

  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    contentEncoding: res.headers.get('content-encoding'),
    next,
    async until(key, timeoutMs = 5_000) {
      const seen: Line[] = [];
      for (;;) {
        const line = await next(timeoutMs);
        seen.push(line);
        if (key in line) return seen;
      }
    },
    get ended() {
      return ended;
    },
    close: () => abort.abort(),
  };
}

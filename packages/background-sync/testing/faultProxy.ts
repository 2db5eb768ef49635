// Test support: an HTTP proxy in front of a real server that can inject faults per route — a
// status with headers (503, 429 + Retry-After), a captive-portal HTML page, a connection that is
// accepted and never answered, a reset socket. Every request is recorded.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'portal' }
  | { kind: 'hang' }
  | { kind: 'reset' }
  /** Passed through, but the answer is held back this long (the server has already acted on it). */
  | { kind: 'delay'; ms: number };

export interface FaultRule {
  method?: string;
  /** Matched against the path without the query string. */
  path: string | RegExp;
  fault: Fault;
  /** Apply this many times, then pass through (default: always). */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The status answered, `hang` or `reset`; the upstream status when passed through. */
  result: number | 'hang' | 'reset';
  at: number;
}

export interface FaultProxy {
  url: string;
  requests: RecordedRequest[];
  /** Replaces the rules. */
  setRules(rules: FaultRule[]): void;
  /** Clears the rules and the recorded requests (between tests sharing one proxy). */
  reset(): void;
  /** Requests recorded for a path (exact match). */
  count(path: string, method?: string): number;
  close(): Promise<void>;
}

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  let rules: Array<FaultRule & { used: number }> = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const match = (req: IncomingMessage, path: string) =>
    rules.find(
      (r) =>
        (!r.method || r.method === req.method) &&
        (typeof r.path === 'string' ? r.path === path : r.path.test(path)) &&
        (r.times === undefined || r.used < r.times),
    );

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, result: 0, at: Date.now() };
    requests.push(rec);
    const rule = match(req, path);
    const delay = rule?.fault.kind === 'delay' ? rule.fault.ms : 0;
    if (rule && rule.fault.kind !== 'delay') {
      rule.used++;
      const f = rule.fault;
      // Drain the body first so the client is not stuck writing it.
      req.resume();
      req.on('end', () => {
        if (f.kind === 'hang') {
          rec.result = 'hang';
          return;
        }
        if (f.kind === 'reset') {
          rec.result = 'reset';
          req.socket.destroy();
          return;
        }
        if (f.kind === 'portal') {
          rec.result = 200;
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end('<html><body>Sign in to Hotel Wi-Fi</body></html>');
          return;
        }
        rec.result = f.status;
        res
          .writeHead(f.status, { 'content-type': 'application/json', ...f.headers })
          .end(JSON.stringify(f.body ?? { error: { code: 'injected', message: `injected ${f.status}` } }));
      });
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        if (rule) rule.used++;
        const answer = () => {
          rec.result = up.statusCode ?? 0;
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        };
        if (delay > 0) setTimeout(answer, delay);
        else answer();
      },
    );
    upstream.on('error', () => {
      rec.result = 'reset';
      req.socket.destroy();
    });
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setRules(next) {
      rules = next.map((r) => ({ ...r, used: 0 }));
    },
    reset() {
      rules = [];
      requests.length = 0;
    },
    count(path, method) {
      return requests.filter((r) => r.path === path && (!method || r.method === method)).length;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The far end of one device's link: an HTTP gateway that routes the PowerSync sync paths to the
// PowerSync service (the test double) and everything else to our server, and that can act out
// server-side faults for that device alone — an error status or a 429 with Retry-After, a request
// that is never answered (a black-holed server), a reset before the server saw the request, and an
// answer lost after the server handled it. Before answering a CRUD upload it lets replication
// catch up (see Replicator), as the real PowerSync service's write checkpoints do.
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type GatewayRoute = 'upload' | 'sign' | 'token' | 'media' | 'health' | 'session' | 'sync' | 'other';

export type GatewayFault =
  /** Answered by the gateway; the server never sees the request. */
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  /** Accepted and never answered: the client's timeout must end it. */
  | { kind: 'hang' }
  /** The connection is reset before the request reaches the server. */
  | { kind: 'reset' }
  /** The server handles the request; its answer is lost (the connection is reset instead). */
  | { kind: 'dropAnswer' };

export interface GatewayRule {
  route: GatewayRoute;
  fault: GatewayFault;
  /** Apply to this many requests, then pass through (default 1). */
  times?: number;
}

export interface GatewayOptions {
  server: string;
  powersync: string;
  /** Awaited after the server accepted a CRUD upload and before the device gets the answer. */
  beforeUploadAnswer?: () => Promise<void>;
}

export function routeOf(method: string, path: string): GatewayRoute {
  if (path.startsWith('/sync/') || path.startsWith('/write-checkpoint')) return 'sync';
  if (path === '/api/powersync/upload') return 'upload';
  if (path === '/api/cloudinaryUpload') return 'sign';
  if (path === '/api/powersync/token') return 'token';
  if (path.startsWith('/dev-media/') && method === 'POST') return 'media';
  if (path === '/health') return 'health';
  if (path === '/dev/session') return 'session';
  return 'other';
}

export class DeviceGateway {
  private rules: Array<GatewayRule & { left: number }> = [];
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true });
  /** Requests seen per route, and faults acted out per kind. */
  readonly requests: Record<string, number> = {};
  readonly faults: Record<string, number> = {};
  /** Bytes of the largest request body seen per route (the device sent them, whatever came of it). */
  readonly largestRequest: Partial<Record<GatewayRoute, number>> = {};

  private constructor(
    private readonly http: ReturnType<typeof createServer>,
    private readonly options: GatewayOptions,
  ) {
    http.on('request', (req, res) => this.handle(req, res));
    http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(options: GatewayOptions): Promise<DeviceGateway> {
    const http = createServer({ keepAliveTimeout: 30_000 });
    const gateway = new DeviceGateway(http, options);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return gateway;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** Adds fault rules (each applies `times` times, in the order added). */
  inject(...rules: GatewayRule[]): void {
    this.rules.push(...rules.map((r) => ({ ...r, left: r.times ?? 1 })));
  }

  clearFaults(): void {
    this.rules = [];
  }

  /** Resets every open connection (a server restart as the device sees it). */
  resetConnections(): void {
    for (const s of this.sockets) s.resetAndDestroy();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private takeFault(route: GatewayRoute): GatewayFault | undefined {
    const rule = this.rules.find((r) => r.route === route && r.left > 0);
    if (!rule) return undefined;
    rule.left--;
    this.rules = this.rules.filter((r) => r.left > 0);
    this.faults[rule.fault.kind] = (this.faults[rule.fault.kind] ?? 0) + 1;
    return rule.fault;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routeOf(req.method ?? 'GET', path);
    this.requests[route] = (this.requests[route] ?? 0) + 1;
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      this.largestRequest[route] = Math.max(this.largestRequest[route] ?? 0, bytes);
    });
    const fault = this.takeFault(route);
    if (fault?.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'hang') {
      req.resume();
      return;
    }
    if (fault?.kind === 'status') {
      req.resume();
      req.on('end', () => {
        res
          .writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
          .end(JSON.stringify({ error: { code: 'injected', message: `injected HTTP ${fault.status}` } }));
      });
      return;
    }
    this.forward(req, res, route, fault?.kind === 'dropAnswer');
  }

  private forward(req: IncomingMessage, res: ServerResponse, route: GatewayRoute, dropAnswer: boolean): void {
    const target = new URL(route === 'sync' ? this.options.powersync : this.options.server);
    const headers = { ...req.headers, host: target.host };
    delete headers.connection;
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent: this.agent,
      },
      (up) => {
        const buffered = dropAnswer || (route === 'upload' && up.statusCode === 200);
        if (!buffered) {
          const { connection: _, ...upHeaders } = up.headers;
          res.writeHead(up.statusCode ?? 502, upHeaders);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          void (async () => {
            if (route === 'upload' && up.statusCode === 200) await this.options.beforeUploadAnswer?.();
            if (dropAnswer) {
              req.socket.resetAndDestroy();
              return;
            }
            const { connection: _, ...upHeaders } = up.headers;
            res.writeHead(up.statusCode ?? 502, upHeaders).end(Buffer.concat(chunks));
          })().catch(() => req.socket.destroy());
        });
      },
    );
    upstream.on('error', () => req.socket.destroy());
    // The device went away (timeout, kill, link reset): stop the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}

// The per-device gateway: routing by path, the faults it acts out, and replication before a CRUD
// upload's answer — against two plain HTTP servers standing in for the server and the service.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeviceGateway, routeOf } from '../src/backend/deviceGateway';

interface Upstream {
  server: Server;
  url: string;
  seen: string[];
}

async function upstream(name: string): Promise<Upstream> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ from: name, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

let api: Upstream;
let sync: Upstream;
let gateway: DeviceGateway;
const replicated: string[] = [];
let base: string;

beforeAll(async () => {
  api = await upstream('server');
  sync = await upstream('powersync');
  gateway = await DeviceGateway.start({
    server: api.url,
    powersync: sync.url,
    beforeUploadAnswer: async () => {
      replicated.push(`after ${api.seen.length} server requests`);
    },
  });
  base = `http://127.0.0.1:${gateway.port}`;
});

afterAll(async () => {
  await gateway.close();
  await new Promise((resolve) => api.server.close(resolve));
  await new Promise((resolve) => sync.server.close(resolve));
});

beforeEach(() => {
  gateway.clearFaults();
  api.seen.length = 0;
  sync.seen.length = 0;
  replicated.length = 0;
});

const post = (path: string, body = '{}') =>
  fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('DeviceGateway', () => {
  it('names routes by path', () => {
    expect(routeOf('POST', '/api/powersync/upload')).toBe('upload');
    expect(routeOf('POST', '/api/cloudinaryUpload')).toBe('sign');
    expect(routeOf('POST', '/dev-media/v1_1/demo/image/upload')).toBe('media');
    expect(routeOf('POST', '/sync/stream')).toBe('sync');
    expect(routeOf('GET', '/write-checkpoint2.json')).toBe('sync');
    expect(routeOf('GET', '/api/powersync/token')).toBe('token');
  });

  it('sends the sync paths to the PowerSync service and everything else to the server', async () => {
    expect(await (await post('/sync/stream')).json()).toMatchObject({ from: 'powersync' });
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ from: 'server' });
    expect(sync.seen).toEqual(['POST /sync/stream']);
    expect(api.seen).toEqual(['GET /health']);
  });

  it('lets replication catch up before a CRUD upload is answered', async () => {
    const res = await post('/api/powersync/upload', '{"batch":[]}');
    expect(await res.json()).toEqual({ from: 'server', body: '{"batch":[]}' });
    expect(replicated).toEqual(['after 1 server requests']);
  });

  it('answers an injected status itself, the given number of times, then passes through', async () => {
    gateway.inject({
      route: 'upload',
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const res = await post('/api/powersync/upload');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
    }
    expect((await post('/api/powersync/upload')).status).toBe(200);
    expect(api.seen).toHaveLength(1);
  });

  it('resets before the server sees the request', async () => {
    gateway.inject({ route: 'sign', fault: { kind: 'reset' } });
    await expect(post('/api/cloudinaryUpload')).rejects.toThrow();
    expect(api.seen).toEqual([]);
  });

  it('loses the answer after the server handled the request', async () => {
    gateway.inject({ route: 'upload', fault: { kind: 'dropAnswer' } });
    await expect(post('/api/powersync/upload')).rejects.toThrow();
    expect(api.seen).toEqual(['POST /api/powersync/upload']);
  });

  it('never answers a black-holed request', async () => {
    gateway.inject({ route: 'media', fault: { kind: 'hang' } });
    await expect(
      fetch(`${base}/dev-media/v1_1/demo/image/upload`, {
        method: 'POST',
        body: 'x',
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow(/abort|timeout/i);
    expect(api.seen).toEqual([]);
    expect(gateway.faults).toMatchObject({ hang: 1 });
  });
});

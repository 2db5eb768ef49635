// Slow and flooding clients: sockets are not held without limit, unauthenticated routes are limited
// per IP, and bodies that are not JSON are refused.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../src/config';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { call } from './support/http';

/** Opens a raw connection, writes `text`, and resolves with what came back once the server closed it. */
function stall(server: TestServer, text: string, giveUpMs: number) {
  const { port } = new URL(server.url);
  const socket: Socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.on('data', (d) => {
    received += d;
  });
  socket.write(text);
  const started = Date.now();
  return new Promise<{ closed: boolean; afterMs: number; received: string }>((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, afterMs: Date.now() - started, received });
    }, giveUpMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, afterMs: Date.now() - started, received });
    });
    socket.on('error', () => {});
  });
}

describe('timeouts by default', () => {
  it('closes idle sockets after 60 s, waits 60 s for a JSON body and 15 min for a whole request', () => {
    expect(loadConfig({})).toMatchObject({
      connectionTimeoutMs: 60_000,
      bodyTimeoutMs: 60_000,
      requestTimeoutMs: 900_000,
      ipRateLimitMax: 600,
      rateLimitWindowMs: 60_000,
    });
  });
});

describe.each(testBackends())('slow and flooding clients on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      backend,
      config: { connectionTimeoutMs: 1_500, bodyTimeoutMs: 500 },
    });
  });
  afterAll(() => server?.close());

  it('applies the configured timeouts to the HTTP server', () => {
    expect(server.app.server.timeout).toBe(1_500);
    expect(server.app.server.requestTimeout).toBe(900_000);
  });

  it('answers a stalled webhook body with 408 and closes the socket', async () => {
    const result = await stall(
      server,
      'POST /webhooks/cloudinary HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
      8_000,
    );
    expect(result.closed).toBe(true);
    expect(result.received).toMatch(/^HTTP\/1\.1 408/);
    expect(result.received).toContain('body_timeout');
  });

  it('closes a socket whose headers stall', async () => {
    const result = await stall(server, 'GET /health HTTP/1.1\r\nHost: x\r\n', 8_000);
    expect(result.closed).toBe(true);
  });

  it('limits /webhooks, /dev/session, /office/sign-in and /dev-media per IP, each on its own; /health is not', async () => {
    const server = await startTestServer({ backend, config: { ipRateLimitMax: 5 } });
    onTestFinished(() => server.close());
    for (const [method, path, body] of [
      ['POST', '/webhooks/cloudinary', {}],
      ['POST', '/dev/session', {}],
      ['POST', '/office/sign-in', {}],
      ['GET', '/dev-media/dev/image/upload/v1/none.jpg', undefined],
    ] as const) {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await call(server, method, path, { body })).status);
      expect(statuses.slice(0, 5), path).not.toContain(429);
      const limited = await call(server, method, path, { body });
      expect(limited.status, path).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    for (let i = 0; i < 8; i++) expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  it('answers text/plain bodies with 415 on every route taking a body', async () => {
    const token = await server.mintToken();
    for (const path of ['/api/powersync/upload', '/api/cloudinaryUpload', '/webhooks/cloudinary']) {
      const res = await call(server, 'POST', path, {
        token,
        rawBody: '{"client_id":"x","batch":[]}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status, path).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    }
  });
});

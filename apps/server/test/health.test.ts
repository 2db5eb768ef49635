import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { call } from './support/http';

describe.each(testBackends())('GET /health and common behaviour on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server?.close());

  it('answers JSON a captive portal could not fake, with a request id', async () => {
    const res = await call(server, 'GET', '/health', { headers: { 'x-request-id': 'probe-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ status: 'ok', database: backend, time: expect.any(String) });
    expect(res.headers.get('x-request-id')).toBe('probe-1');
    const generated = await call(server, 'GET', '/health');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes and wrong content types with the JSON error shape', async () => {
    const missing = await call(server, 'GET', '/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'not_found', message: expect.stringContaining('/nope') } });
    const token = await server.mintToken();
    const text = await call(server, 'POST', '/api/powersync/upload', {
      token,
      rawBody: '<batch/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(text.status).toBe(415);
    expect(text.body.error).toMatchObject({ code: 'unsupported_media_type', message: expect.any(String) });
  });
});

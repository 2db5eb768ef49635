// Bodies over a route's limit: the documented 413 reaches a Node fetch client, which keeps
// writing its body while the server has already decided.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { uuid } from './support/http';

/** A request body streamed in 64 KiB chunks with pauses, as a phone on a slow link sends it. */
function slowBody(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (sent >= bytes) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, 2));
      const part = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
      sent += part.length;
      controller.enqueue(part);
    },
  });
}

describe.each(testBackends())('payload limits on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ backend });
  });
  afterAll(() => server?.close());

  it.each([
    ['with content-length', true],
    ['chunked', false],
  ])(
    'answers an over-limit CRUD upload body (%s) with a 413 a fetch client can read',
    async (_name, withLength) => {
      const token = await server.mintToken({ orgId: `org_${uuid().slice(0, 8)}` });
      const bytes = 4 * 1024 * 1024 + 133;
      const res = await fetch(`${server.url}/api/powersync/upload`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          ...(withLength ? { 'content-length': String(bytes) } : {}),
        },
        body: slowBody(bytes),
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(res.headers.get('connection')).toBe('close');
      expect(await res.json()).toMatchObject({
        error: { code: 'too_large' },
        maxOps: 2000,
        maxBytes: 4 * 1024 * 1024,
      });
    },
  );
});

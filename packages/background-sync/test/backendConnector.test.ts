// PowerSync credentials come from our server's token route, with a fresh Clerk token each time.
import { startTestServer, type TestServer } from '@vhd/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTestUser } from '../testing/serverFixture';
import { openTestDatabase, type TestDatabase } from '../testing/testDatabase';
import { createTestEngine, TestAuth } from '../testing/testEngine';

describe('BackendConnector.fetchCredentials', () => {
  let server: TestServer;
  let t: TestDatabase;

  beforeAll(async () => {
    server = await startTestServer({ config: { powersyncUrl: 'http://127.0.0.1:9/powersync' } });
    t = await openTestDatabase();
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  it('returns the endpoint, a PowerSync token and its expiry; null once signed out', async () => {
    const auth = new TestAuth(newTestUser(server).token);
    const { engine } = createTestEngine({ db: t.syncDb, apiUrl: server.url, getToken: auth.getToken });
    const before = Date.now();
    const creds = await engine.connector.fetchCredentials();
    expect(creds?.endpoint).toBe('http://127.0.0.1:9/powersync');
    expect(creds?.token.split('.')).toHaveLength(3);
    expect(creds?.expiresAt?.getTime()).toBeGreaterThan(before);
    auth.signedIn = false;
    expect(await engine.connector.fetchCredentials()).toBeNull();
  });

  it('throws (the SDK retries later) when the server has no PowerSync endpoint', async () => {
    const bare = await startTestServer();
    try {
      const auth = new TestAuth(newTestUser(bare).token);
      const { engine } = createTestEngine({ db: t.syncDb, apiUrl: bare.url, getToken: auth.getToken });
      await expect(engine.connector.fetchCredentials()).rejects.toThrow(/fetchCredentials/);
    } finally {
      await bare.close();
    }
  });
});

// Test support: the real server in-process (PGlite unless told otherwise) with a fault proxy in
// front, and a user of a fresh organization per test so tests sharing one server do not mix data.
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestBackend, type TestServer } from '@vhd/server/testing';
import { type FaultProxy, startFaultProxy } from './faultProxy';

export interface ServerFixture {
  server: TestServer;
  proxy: FaultProxy;
  close(): Promise<void>;
}

export async function startServerFixture(backend: TestBackend = 'pglite'): Promise<ServerFixture> {
  const server = await startTestServer({ backend });
  const proxy = await startFaultProxy(server.url);
  return {
    server,
    proxy,
    async close() {
      await proxy.close();
      await server.close();
    },
  };
}

export interface TestUser {
  userId: string;
  orgId: string;
  /** A fresh dev-auth session token for this user. */
  token(): Promise<string>;
}

export function newTestUser(server: TestServer): TestUser {
  const suffix = randomBytes(5).toString('hex');
  const user = { userId: `user_${suffix}`, orgId: `org_${suffix}` };
  return { ...user, token: () => server.mintToken(user) };
}

/** Rows of a query on the server's database. */
export async function serverRows<R = Record<string, unknown>>(
  server: TestServer,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  return (await server.db.query<R>(sql, params)).rows;
}

// POST /api/syncHealth and the office page: storage, clock correction, retention, authorisation
// and organization isolation, on PGlite and Postgres.
import type { webcrypto } from 'node:crypto';
import type { ReportedRun, SyncHealthReport } from '@vhd/sync-contract';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OFFICE_COOKIE } from '../src/office/officeRoutes';
import { RETENTION } from '../src/syncHealth/healthStore';
import { startTestServer, type TestServer, testBackends } from '../src/testing';
import { call } from './support/http';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 6, 12);

function run(i: number, at: number, over: Partial<ReportedRun> = {}): ReportedRun {
  return {
    id: `run-${String(i).padStart(4, '0')}`,
    trigger: 'background',
    budgetMs: 180_000,
    startedAt: at,
    finishedAt: at + 4_000,
    outcome: 'completed',
    applied: 3,
    rejected: 0,
    photos: 1,
    photosFailed: 0,
    bytes: 2_000_000,
    ...over,
  };
}

function report(deviceId: string, sentAt: number, runs: ReportedRun[], over: Partial<SyncHealthReport> = {}) {
  return {
    device: { id: deviceId, platform: 'ios', name: `${deviceId} phone`, appVersion: '1.0.0' },
    capability: {
      status: 'available',
      backgroundAppRefresh: true,
      lowPowerMode: false,
      batteryOptimization: null,
      policy: 'on-background',
    },
    queue: {
      pendingChanges: 2,
      pendingPhotos: 1,
      failedPhotos: 0,
      rejectedChanges: 1,
      lastSuccessfulSyncAt: null,
    },
    sentAt,
    runs,
    ...over,
  } satisfies SyncHealthReport;
}

/** GET /office with a dev-signed session cookie for user/org. */
async function officePage(
  server: TestServer,
  user: string,
  org: string,
): Promise<{ status: number; html: string }> {
  const signIn = await fetch(`${server.url}/office/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user, org }).toString(),
    redirect: 'manual',
  });
  expect(signIn.status).toBe(303);
  expect(signIn.headers.get('location')).toBe('/office');
  const setCookie = signIn.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Strict/i);
  const cookie = setCookie.split(';')[0]!;
  const res = await fetch(`${server.url}/office`, { headers: { cookie } });
  return { status: res.status, html: await res.text() };
}

describe.each(testBackends())('device sync health on %s', (backend) => {
  let server: TestServer;
  let now = T0;
  beforeAll(async () => {
    server = await startTestServer({ backend, now: () => now });
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    now = T0;
  });

  it('stores a report on the server clock, once per run, and answers how many runs it took', async () => {
    const token = await server.mintToken({ userId: 'user_ana', orgId: 'org_store' });
    // The phone's clock is 5 minutes fast: run times move onto the server's clock.
    const skew = 5 * 60_000;
    const runs = [run(1, T0 - HOUR + skew), run(2, T0 - 10 * 60_000 + skew, { outcome: 'deadline' })];
    const res = await call(server, 'POST', '/api/syncHealth', {
      token,
      body: report('dev-a', T0 + skew, runs),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ runs: 2 });
    // A replay (the answer was lost) changes nothing but the run's latest word.
    const again = await call(server, 'POST', '/api/syncHealth', {
      token,
      body: report('dev-a', T0 + skew, [run(2, T0 - 10 * 60_000 + skew, { outcome: 'completed' })]),
    });
    expect(again.status).toBe(200);
    const stored = await server.db.query<{
      run_id: string;
      started: string;
      outcome: string;
      user_id: string;
    }>(
      `SELECT run_id, (extract(epoch FROM started_at) * 1000)::bigint AS started, outcome, user_id
       FROM device_sync_runs WHERE org_id = 'org_store' ORDER BY run_id`,
    );
    expect(stored.rows).toEqual([
      { run_id: 'run-0001', started: T0 - HOUR, outcome: 'completed', user_id: 'user_ana' },
      { run_id: 'run-0002', started: T0 - 10 * 60_000, outcome: 'completed', user_id: 'user_ana' },
    ]);
    const device = await server.db.query<{ clock_skew_ms: number; pending_changes: number }>(
      "SELECT clock_skew_ms, pending_changes FROM device_sync_devices WHERE org_id = 'org_store'",
    );
    expect(device.rows).toEqual([{ clock_skew_ms: skew, pending_changes: 2 }]);
  });

  it('is authorised as every /api route: 401 without a session, 403 without an organization', async () => {
    const body = report('dev-x', T0, []);
    expect((await call(server, 'POST', '/api/syncHealth', { body })).status).toBe(401);
    const noOrg = await server.mintToken({ orgId: null });
    const res = await call(server, 'POST', '/api/syncHealth', { token: noOrg, body });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('no_organization');
  });

  it('refuses a malformed report whole, with the JSON error shape', async () => {
    const token = await server.mintToken({ orgId: 'org_bad' });
    const cases = [
      report('dev-b', T0, [run(1, T0, { outcome: 'exploded' as never })]),
      report(
        'dev-b',
        T0,
        Array.from({ length: 51 }, (_, i) => run(i, T0 - i * 1000)),
      ),
      report('../etc', T0, []),
      { ...report('dev-b', T0, []), sentAt: -1 },
    ];
    for (const body of cases) {
      const res = await call(server, 'POST', '/api/syncHealth', { token, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    const rows = await server.db.query("SELECT 1 FROM device_sync_devices WHERE org_id = 'org_bad'");
    expect(rows.rows).toHaveLength(0);
  });

  it('keeps retention bounded: runs older than 14 days and devices silent for 90 days go', async () => {
    const token = await server.mintToken({ userId: 'user_ret', orgId: 'org_retention' });
    now = T0 - 100 * 24 * HOUR;
    await call(server, 'POST', '/api/syncHealth', {
      token,
      body: report('dev-old', now, [run(1, now - HOUR)]),
    });
    // A simulated clock running in real time has fractions of a millisecond.
    now = T0 + 0.4;
    const old = T0 - RETENTION.runMaxAgeMs - HOUR;
    const res = await call(server, 'POST', '/api/syncHealth', {
      token,
      body: report('dev-new', T0, [run(1, old), run(2, T0 - HOUR)]),
    });
    expect(res.status).toBe(200);
    const runs = await server.db.query<{ device_id: string; run_id: string }>(
      "SELECT device_id, run_id FROM device_sync_runs WHERE org_id = 'org_retention' ORDER BY device_id, run_id",
    );
    expect(runs.rows).toEqual([{ device_id: 'dev-new', run_id: 'run-0002' }]);
    const devices = await server.db.query(
      "SELECT device_id FROM device_sync_devices WHERE org_id = 'org_retention'",
    );
    expect(devices.rows).toEqual([{ device_id: 'dev-new' }]);
  });

  it('keeps at most the newest runs per device', async () => {
    const token = await server.mintToken({ orgId: 'org_many' });
    const total = RETENTION.runsPerDevice + 30;
    for (let first = 0; first < total; first += 50) {
      const runs = Array.from({ length: Math.min(50, total - first) }, (_, k) =>
        run(first + k, T0 - 10 * HOUR + (first + k) * 1000),
      );
      const res = await call(server, 'POST', '/api/syncHealth', {
        token,
        body: report('dev-many', T0, runs),
      });
      expect(res.status).toBe(200);
    }
    const kept = await server.db.query<{ n: number; oldest: string }>(
      "SELECT count(*)::int AS n, min(run_id) AS oldest FROM device_sync_runs WHERE org_id = 'org_many'",
    );
    expect(kept.rows[0]).toEqual({ n: RETENTION.runsPerDevice, oldest: 'run-0030' });
  });

  it('isolates organizations: the same device id in two organizations, each office sees only its own', async () => {
    const a = await server.mintToken({ userId: 'user_a1', orgId: 'org_iso_a' });
    const b = await server.mintToken({ userId: 'user_b1', orgId: 'org_iso_b' });
    await call(server, 'POST', '/api/syncHealth', {
      token: a,
      body: report('dev-shared', T0, [run(1, T0 - HOUR, { reason: 'secret-of-a' })], {
        device: { id: 'dev-shared', platform: 'ios', name: 'Phone of A' },
      }),
    });
    await call(server, 'POST', '/api/syncHealth', {
      token: b,
      body: report('dev-shared', T0, [run(1, T0 - 2 * HOUR, { outcome: 'server_unavailable' })], {
        device: { id: 'dev-shared', platform: 'android', name: 'Phone of B' },
      }),
    });
    const rows = await server.db.query<{ org_id: string; device_name: string }>(
      "SELECT org_id, device_name FROM device_sync_devices WHERE device_id = 'dev-shared' ORDER BY org_id",
    );
    expect(rows.rows).toEqual([
      { org_id: 'org_iso_a', device_name: 'Phone of A' },
      { org_id: 'org_iso_b', device_name: 'Phone of B' },
    ]);
    const pageA = await officePage(server, 'office_a', 'iso_a');
    expect(pageA.status).toBe(200);
    expect(pageA.html).toContain('Phone of A');
    expect(pageA.html).toContain('secret-of-a');
    expect(pageA.html).not.toContain('Phone of B');
    expect(pageA.html).not.toContain('user_b1');
    const pageB = await officePage(server, 'office_b', 'iso_b');
    expect(pageB.html).toContain('Phone of B');
    expect(pageB.html).not.toContain('Phone of A');
    expect(pageB.html).not.toContain('secret-of-a');
  });

  it('shows per device the last success, last background run, queues, failures, rejections and a warning when background sync went quiet', async () => {
    const token = await server.mintToken({ userId: 'user_tech', orgId: 'org_page' });
    await call(server, 'POST', '/api/syncHealth', {
      token,
      body: report(
        'dev-android',
        T0,
        [
          run(1, T0 - 7 * HOUR),
          run(2, T0 - 3 * HOUR, { trigger: 'resume', outcome: 'server_unavailable', reason: 'HTTP 503' }),
          run(3, T0 - 2 * HOUR, { trigger: 'manual', outcome: 'killed', finishedAt: null }),
        ],
        {
          device: { id: 'dev-android', platform: 'android', name: 'Pixel <b>8</b>' },
          capability: {
            status: 'available',
            backgroundAppRefresh: null,
            lowPowerMode: false,
            batteryOptimization: true,
            policy: 'on-background',
          },
        },
      ),
    });
    const { html } = await officePage(server, 'office', 'page');
    const row = html.slice(html.indexOf('data-device="dev-android"'));
    // Device-supplied text is escaped.
    expect(row).toContain('Pixel &lt;b&gt;8&lt;/b&gt;');
    expect(html).not.toContain('<b>8</b>');
    expect(row).toMatch(/data-field="last-success">2026-01-06 05:00 UTC/);
    expect(row).toMatch(/data-field="last-background">2026-01-06 05:00 UTC.*7 h ago.*completed/s);
    expect(row).toMatch(/data-field="pending">2 changes<div class="muted">1 photos/);
    expect(row).toMatch(/data-field="failures">2 runs/);
    expect(row).toMatch(/data-field="rejected">1</);
    expect(row).toContain('no background run for 7 h (expected within 4 h)');
    expect(row).toContain('battery optimisation applies to the app');
    expect((row.match(/<rect /g) ?? []).length).toBe(3);
    expect(html).toMatch(/1 with warnings/);
  });

  it('sends a visitor without a valid session to the sign-in page, and signs out', async () => {
    const anon = await fetch(`${server.url}/office`);
    expect(anon.status).toBe(401);
    expect(await anon.text()).toContain('action="/office/sign-in"');
    const forged = await fetch(`${server.url}/office`, {
      headers: { cookie: `${OFFICE_COOKIE}=not-a-token` },
    });
    expect(forged.status).toBe(401);
    expect(await forged.text()).toContain('Session token rejected');
    const bad = await fetch(`${server.url}/office/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=a%20b&org=x',
    });
    expect(bad.status).toBe(400);
    const out = await fetch(`${server.url}/office/sign-out`, { method: 'POST', redirect: 'manual' });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(new RegExp(`${OFFICE_COOKIE}=;`));
  });
});

describe.each(testBackends())('the office page with Clerk (CLERK_JWT_KEY) on %s', (backend) => {
  let server: TestServer;
  let clerkKey: webcrypto.CryptoKey;
  beforeAll(async () => {
    // Stands in for the Clerk instance: its PEM public key is what CLERK_JWT_KEY holds.
    const pair = await generateKeyPair('RS256', { extractable: true });
    clerkKey = pair.privateKey;
    server = await startTestServer({ backend, config: { clerkJwtKey: await exportSPKI(pair.publicKey) } });
  });
  afterAll(() => server?.close());

  it('reads Clerk’s __session cookie, checked as /api checks it, and offers no dev sign-in', async () => {
    const token = await new SignJWT({ v: 2, o: { id: 'org_2clerk', rol: 'admin', slg: 'c' } })
      .setProtectedHeader({ alg: 'RS256', kid: 'ins_test', typ: 'JWT' })
      .setSubject('user_2office')
      .setIssuedAt()
      .setNotBefore('-5s')
      .setExpirationTime('60s')
      .sign(clerkKey);
    await call(server, 'POST', '/api/syncHealth', { token, body: report('dev-clerk', Date.now(), []) });
    const page = await fetch(`${server.url}/office`, { headers: { cookie: `__session=${token}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('dev-clerk phone');
    const signIn = await fetch(`${server.url}/office/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=a&org=b',
    });
    expect(signIn.status).toBe(404);
    expect(signIn.headers.get('set-cookie')).toBeNull();
  });
});

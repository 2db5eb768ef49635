// A run can be killed at any instruction. A child process runs the run on a database file and is
// SIGKILLed — at the named point "after the server applied, before the local complete", and at
// random instants; a fresh process then runs again. Every op must be applied exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listRuns } from '../src/runLog';
import type { SyncSettings } from '../src/settings';
import {
  newTestUser,
  type ServerFixture,
  serverRows,
  startServerFixture,
  type TestUser,
} from '../testing/serverFixture';
import { openTestDatabase } from '../testing/testDatabase';
import { spawnRunChild } from './support/spawnRunChild';

const DB_FILE = 'app.db';
/** Small requests, so a run is many requests long and a kill lands between them. */
const CHILD_SETTINGS: Partial<SyncSettings> = { crudMaxOps: 50 };

let fx: ServerFixture;
let dir: string;
let user: TestUser;

beforeAll(async () => {
  fx = await startServerFixture();
});
afterAll(async () => {
  await fx?.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vhd-kill-'));
  user = newTestUser(fx.server);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Workload {
  clientId: string;
  ids: string[];
  ops: number;
}

/** Inserts, updates and deletes, each in its own transaction; the database is closed afterwards. */
async function makeWorkload(inserts: number, updates: number, deletes: number): Promise<Workload> {
  const t = await openTestDatabase({ dir, filename: DB_FILE });
  try {
    const ids: string[] = [];
    for (let i = 0; i < inserts; i++) {
      const { id } = await t.db.get<{ id: string }>('SELECT uuid() AS id');
      ids.push(id);
      await t.db.execute("INSERT INTO schedules (id, customer, status) VALUES (?, ?, 'scheduled')", [
        id,
        `C ${i}`,
      ]);
    }
    for (let i = 0; i < updates; i++) {
      await t.db.execute('UPDATE schedules SET notes = ? WHERE id = ?', [`note ${i}`, ids[i]]);
    }
    for (let i = 0; i < deletes; i++) {
      await t.db.execute('DELETE FROM schedules WHERE id = ?', [ids[inserts - 1 - i]]);
    }
    return { clientId: await t.db.getClientId(), ids, ops: inserts + updates + deletes };
  } finally {
    await t.close();
  }
}

async function childConfig(extra: { killAt?: 'afterServerApplied'; killAtRequest?: number } = {}) {
  return {
    dbDir: dir,
    dbFile: DB_FILE,
    apiUrl: fx.proxy.url,
    token: await fx.server.mintToken({ userId: user.userId, orgId: user.orgId, expiresInSec: 600 }),
    budgetMs: 60_000,
    settings: CHILD_SETTINGS,
    ...extra,
  };
}

async function verdicts(clientId: string) {
  return serverRows<{ op_id: string | number; verdict: string; applied_at: unknown }>(
    fx.server,
    'SELECT op_id, verdict, applied_at FROM op_verdicts WHERE client_id = $1 ORDER BY op_id',
    [clientId],
  );
}

/** Runs a fresh process to the end and checks the database ends up exactly as the server. */
async function recoverAndCheck(w: Workload, opts: { except?: string[]; killedJustBefore: boolean }) {
  const fresh = spawnRunChild(await childConfig());
  const { report, signal, stderr } = await fresh.exit;
  expect(signal, stderr).toBeNull();
  expect(report?.outcome).toBe('completed');
  // The run killed just before left its row `running`: this start marked it killed.
  if (opts.killedJustBefore) expect(report?.killedRunsFound).toBe(1);

  // Exactly once: one verdict per op, every one applied, no op id unaccounted for.
  const v = await verdicts(w.clientId);
  expect(v).toHaveLength(w.ops);
  expect(v.every((r) => r.verdict === 'applied')).toBe(true);
  expect(new Set(v.map((r) => Number(r.op_id))).size).toBe(w.ops);

  const t = await openTestDatabase({ dir, filename: DB_FILE });
  try {
    expect((await t.db.get<{ n: number }>('SELECT count(*) AS n FROM ps_crud')).n).toBe(0);
    const local = await t.db.getAll<{ id: string; customer: string; notes: string | null }>(
      'SELECT id, customer, notes FROM schedules ORDER BY id',
    );
    const remote = await serverRows<{ id: string; customer: string; notes: string | null }>(
      fx.server,
      'SELECT id::text AS id, customer, notes FROM schedules WHERE org_id = $1 ORDER BY id::text',
      [user.orgId],
    );
    const skip = new Set(opts.except);
    expect(remote.filter((r) => !skip.has(r.id))).toEqual(local.filter((r) => !skip.has(r.id)));
    expect(remote).toHaveLength(local.length);
    const runs = await listRuns(t.syncDb, 50, null);
    expect(runs[0]?.outcome).toBe('completed');
    expect(runs.some((r) => r.state === 'killed')).toBe(true);
    expect(runs.every((r) => r.state !== 'running')).toBe(true);
  } finally {
    await t.close();
  }
}

describe('SIGKILL during a run', () => {
  it('at the named point after the server applied: the replay applies nothing twice', async () => {
    const w = await makeWorkload(300, 100, 20);
    const killed = spawnRunChild(await childConfig({ killAt: 'afterServerApplied', killAtRequest: 2 }));
    const exit = await killed.exit;
    expect(exit.signal, exit.stderr).toBe('SIGKILL');

    // The server applied two requests; locally only the first was completed.
    const before = await verdicts(w.clientId);
    expect(before).toHaveLength(100);
    const t = await openTestDatabase({ dir, filename: DB_FILE });
    expect((await t.db.get<{ n: number }>('SELECT count(*) AS n FROM ps_crud')).n).toBe(w.ops - 50);
    await t.close();

    // Another device changes a row of the applied-but-not-completed request. A second apply of
    // our PUT would silently revert it.
    const row = w.ids[60] as string;
    const other = await fetch(`${fx.server.url}/api/powersync/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await user.token()}` },
      body: JSON.stringify({
        client_id: 'another-device',
        batch: [
          { op_id: 1, op: 'PATCH', type: 'schedules', id: row, tx_id: 1, data: { customer: 'Other device' } },
        ],
      }),
    });
    expect(other.status).toBe(200);

    await recoverAndCheck(w, { except: [row], killedJustBefore: true });
    const [after] = await serverRows<{ customer: string }>(
      fx.server,
      'SELECT customer FROM schedules WHERE id = $1',
      [row],
    );
    expect(after?.customer).toBe('Other device');
    // The verdicts of the first apply were not rewritten.
    const again = await verdicts(w.clientId);
    expect(again.slice(0, 100)).toEqual(before);
  }, 60_000);

  it('at random instants, four times in a row: nothing lost, nothing applied twice', async () => {
    // A long run (56 requests, each answer held back 40 ms after the server applied it), so that
    // four kills of at most 800 ms each all land inside it, many between apply and complete.
    const w = await makeWorkload(1_000, 300, 100);
    fx.proxy.setRules([{ path: '/api/powersync/upload', fault: { kind: 'delay', ms: 40 } }]);
    const settings = { crudMaxOps: 25 };
    // Random instants; the seed is printed so a failure can be replayed.
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
    const random = mulberry32(seed);
    const delays = Array.from({ length: 4 }, () => Math.floor(random() * 800));
    console.info(`kill instants (ms after ready): ${delays.join(', ')} — KILL_SEED=${seed}`);
    const progress: number[] = [];
    for (const delay of delays) {
      const child = spawnRunChild({ ...(await childConfig()), settings });
      await child.ready;
      await new Promise((r) => setTimeout(r, delay));
      child.kill();
      const exit = await child.exit;
      if (exit.signal !== 'SIGKILL') break; // the run finished before its kill
      progress.push((await verdicts(w.clientId)).length);
    }
    console.info(`ops applied on the server after each kill: ${progress.join(', ')} of ${w.ops}`);
    expect(progress).toHaveLength(4);
    expect(progress.at(-1)).toBeLessThan(w.ops);
    // A kill can land before the run wrote its row: the last kill need not leave one behind.
    await recoverAndCheck(w, { killedJustBefore: false });
  }, 90_000);
});

/** A small seeded PRNG (uniform in [0, 1)). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The consistency check of a simulation: Postgres, the media store and every device against what
// everyone intended. Nothing may be lost (every intended row and photo is on the server, or the
// device holds a rejection / a FAILED photo with its reason) and nothing may be doubled (the server
// applies each op once; the media store stores each public id once). Runs must keep to their budgets.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sameInstant } from '@vhd/background-sync';
import { REPLICATED_COLUMNS, type ReplicatedRow, readOrgRows } from './backend/replicator';
import type { SimBackend } from './backend/simBackend';
import type { DeviceSnapshot } from './device/protocol';
import type { IntentLog, RowWrite } from './intentLog';
import type { RunRecord } from './simulatedDevice';

export interface DeviceState {
  name: string;
  orgId: string;
  snapshot: DeviceSnapshot;
  runs: RunRecord[];
  /** Bytes of the largest media upload request the device sent (its gateway's count), when known. */
  largestMediaRequest?: number;
}

export interface ConsistencyOptions {
  backend: SimBackend;
  devices: DeviceState[];
  intents: IntentLog;
  /** Also require each device to show exactly the server's rows (after a final download). */
  requireConvergence?: boolean;
  /** A run may end this long after its budget (DESIGN: the run ends within ~2 s of its deadline). */
  budgetSlackMs?: number;
}

export interface Check {
  name: string;
  /** What the check holds, in a few words. */
  description: string;
  /** How many things it looked at. */
  checked: number;
  problems: string[];
}

export interface ConsistencyReport {
  ok: boolean;
  checks: Check[];
}

const PUBLIC_ID = (orgId: string, photoId: string) => `vhd/${orgId}/photos/${photoId}`;
const MAX_PROBLEMS_SHOWN = 20;

export async function checkConsistency(options: ConsistencyOptions): Promise<ConsistencyReport> {
  const { backend, devices, intents } = options;
  await backend.settle();
  const orgs = [...new Set(devices.map((d) => d.orgId))];
  const server = new Map<string, Record<string, Map<string, ReplicatedRow>>>();
  for (const org of orgs) {
    const rows = await readOrgRows(backend.db, org);
    server.set(
      org,
      Object.fromEntries(Object.entries(rows).map(([t, list]) => [t, new Map(list.map((r) => [r.id, r]))])),
    );
  }
  const checks: Check[] = [
    await verdictsOnce(backend, devices),
    await opsAccounted(backend, devices),
    rowsIntended(devices, intents, server),
    await photosStored(backend, devices, intents, server),
    await mediaOnce(backend, devices, intents),
    queuesDrained(devices),
    budgetsKept(devices, options.budgetSlackMs ?? 2_000),
  ];
  if (options.requireConvergence) checks.push(converged(devices, server));
  return { ok: checks.every((c) => c.problems.length === 0), checks };
}

function check(name: string, description: string): Check {
  return { name, description, checked: 0, problems: [] };
}

/** No (client, op) of these devices has two verdicts. */
async function verdictsOnce(backend: SimBackend, devices: DeviceState[]): Promise<Check> {
  const c = check('verdicts once', 'the verdict log records each (client, op) once');
  const clients = devices.map((d) => d.snapshot.clientId);
  const { rows } = await backend.db.query<{ client_id: string; op_id: number; n: number }>(
    `SELECT client_id, op_id, count(*)::int AS n FROM op_verdicts WHERE client_id = ANY($1::text[])
     GROUP BY client_id, op_id HAVING count(*) > 1`,
    [clients],
  );
  const total = await backend.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM op_verdicts WHERE client_id = ANY($1::text[])',
    [clients],
  );
  c.checked = total.rows[0]?.n ?? 0;
  for (const r of rows) c.problems.push(`client ${r.client_id} op ${r.op_id} has ${r.n} verdicts`);
  return c;
}

/**
 * Every op a device ever queued (ps_crud ids 1…seq) got exactly one verdict, or is still queued;
 * the watermark is the last of them; rejected verdicts and the device's sync_rejections agree.
 */
async function opsAccounted(backend: SimBackend, devices: DeviceState[]): Promise<Check> {
  const c = check(
    'ops accounted',
    'every queued op reached the server once; rejections are kept on the device',
  );
  for (const d of devices) {
    const s = d.snapshot;
    const { rows } = await backend.db.query<{ op_id: number; verdict: string; code: string | null }>(
      'SELECT op_id, verdict, code FROM op_verdicts WHERE client_id = $1 ORDER BY op_id',
      [s.clientId],
    );
    const verdicts = new Map(rows.map((r) => [Number(r.op_id), r]));
    const pending = new Set(s.pendingOpIds);
    const lost: number[] = [];
    for (let op = 1; op <= s.crudSeq; op++) {
      c.checked++;
      if (!verdicts.has(op) && !pending.has(op)) lost.push(op);
    }
    if (lost.length > 0)
      c.problems.push(`${d.name}: ops ${ranges(lost)} left the device but never reached the server`);
    for (const op of verdicts.keys()) {
      if (op > s.crudSeq)
        c.problems.push(`${d.name}: the server has a verdict for op ${op} the device never queued`);
    }
    const wm = await backend.db.query<{ last_op_id: number | null }>(
      'SELECT last_op_id FROM client_watermarks WHERE client_id = $1',
      [s.clientId],
    );
    const maxVerdict = Math.max(0, ...verdicts.keys());
    const watermark = Number(wm.rows[0]?.last_op_id ?? 0);
    if (watermark !== maxVerdict)
      c.problems.push(`${d.name}: watermark ${watermark} but the last verdict is op ${maxVerdict}`);
    const local = new Map(s.rejections.map((r) => [r.opId, r]));
    for (const [op, v] of verdicts) {
      if (v.verdict !== 'rejected') continue;
      const r = local.get(op);
      if (!r) c.problems.push(`${d.name}: op ${op} was rejected (${v.code}) but sync_rejections lacks it`);
      else if (r.code !== v.code)
        c.problems.push(`${d.name}: op ${op} rejected as ${v.code} on the server, ${r.code} on the device`);
    }
    for (const [op, r] of local) {
      const v = verdicts.get(op);
      // A transaction the server refused as too large never got a verdict; it is a local rejection.
      if (r.code === 'too_large' && !v) continue;
      if (v?.verdict !== 'rejected')
        c.problems.push(
          `${d.name}: sync_rejections holds op ${op} (${r.code}) the server ${v ? 'applied' : 'never saw'}`,
        );
    }
  }
  return c;
}

/**
 * Each device's last write of each column (or its delete) is on the server — unless the device
 * holds a rejection for that row, or someone else wrote the value the server has at the same time
 * or later (the server keeps the last arrival per column).
 */
function rowsIntended(
  devices: DeviceState[],
  intents: IntentLog,
  server: Map<string, Record<string, Map<string, ReplicatedRow>>>,
): Check {
  const c = check('rows intended', 'every intended row value is on the server or rejected with a reason');
  // Deleting a schedule deletes its invoices and photos on the server (ON DELETE CASCADE).
  const deletedSchedules = new Set(
    intents.rows.filter((w) => w.op === 'delete' && w.table === 'schedules').map((w) => w.id),
  );
  for (const d of devices) {
    const rejected = new Set(d.snapshot.rejections.map((r) => `${r.table}/${r.rowId}`));
    const others = intents.rows.filter((w) => w.writer !== d.name);
    const laterByOthers = (table: string, id: string, seq: number) =>
      others.filter((o) => o.table === table && o.id === id && o.seq > seq);
    for (const [key, last] of lastIntents(intents.rowsBy(d.name))) {
      const [table, id] = key.split('/') as [string, string];
      c.checked++;
      if (rejected.has(key)) continue;
      const row = server.get(d.orgId)?.[table]?.get(id);
      if (last.deletedAt !== null) {
        if (row && laterByOthers(table, id, last.deletedAt).length === 0)
          c.problems.push(`${d.name}: deleted ${table} ${id} is still on the server`);
        continue;
      }
      if (!row) {
        const deletedLater = laterByOthers(table, id, last.since).some((o) => o.op === 'delete');
        const cascaded = deletedSchedules.has(String(last.columns.schedule_id?.value));
        if (!deletedLater && !cascaded)
          c.problems.push(`${d.name}: ${table} ${id} is not on the server and has no rejection`);
        continue;
      }
      for (const [column, { value, seq }] of Object.entries(last.columns)) {
        if (same(row[column], value)) continue;
        const overwritten = laterByOthers(table, id, seq).some(
          (o) => o.op !== 'delete' && column in o.values && same(o.values[column], row[column]),
        );
        if (!overwritten)
          c.problems.push(
            `${d.name}: ${table} ${id}.${column} is ${show(row[column])} on the server, ${show(value)} intended`,
          );
      }
    }
  }
  return c;
}

interface RowIntent {
  /** Last value of each column written since the row was (re)created, with its write's seq. */
  columns: Record<string, { value: unknown; seq: number }>;
  /** The seq of the write that deleted the row, if the last write did. */
  deletedAt: number | null;
  /** The seq where the row's current life began (insert, or the first write after a delete). */
  since: number;
}

function lastIntents(writes: RowWrite[]): Map<string, RowIntent> {
  const out = new Map<string, RowIntent>();
  for (const w of writes) {
    const key = `${w.table}/${w.id}`;
    const prev = out.get(key);
    if (w.op === 'delete') {
      out.set(key, { columns: {}, deletedAt: w.seq, since: w.seq });
      continue;
    }
    const fresh = w.op === 'insert' || !prev || prev.deletedAt !== null;
    const columns = fresh ? {} : { ...prev.columns };
    for (const [k, v] of Object.entries(w.values)) columns[k] = { value: v, seq: w.seq };
    out.set(key, { columns, deletedAt: null, since: fresh ? w.seq : prev.since });
  }
  return out;
}

/**
 * Each photo taken is SYNCED — stored in the media store with the device's exact bytes, its row
 * confirmed on the server — or FAILED with a reason; one over the media store's size limit is
 * FAILED and its bytes were never sent (no media request as large left the device).
 */
async function photosStored(
  backend: SimBackend,
  devices: DeviceState[],
  intents: IntentLog,
  server: Map<string, Record<string, Map<string, ReplicatedRow>>>,
): Promise<Check> {
  const c = check(
    'photos stored',
    'every photo is stored byte-identical and confirmed, or FAILED with a reason',
  );
  const stored = await backend.storedCounts();
  for (const d of devices) {
    const items = new Map(d.snapshot.photos.map((p) => [p.id, p]));
    const rejected = new Set(d.snapshot.rejections.filter((r) => r.table === 'photos').map((r) => r.rowId));
    for (const taken of intents.photosBy(d.name)) {
      c.checked++;
      const item = items.get(taken.photoId);
      const publicId = PUBLIC_ID(taken.orgId, taken.photoId);
      if (!item) {
        // An unconfirmed capture may never have been saved (the app died first).
        if (taken.confirmed) c.problems.push(`${d.name}: photo ${taken.photoId} is gone from the queue`);
        continue;
      }
      const size = item.localPath ? await fileSize(join(d.snapshot.documentsDir, item.localPath)) : 0;
      const sent = d.largestMediaRequest ?? 0;
      if (size > backend.mediaMaxBytes && (item.state !== 'FAILED' || sent > backend.mediaMaxBytes)) {
        c.problems.push(
          `${d.name}: photo ${taken.photoId} (${size} bytes, over the store's ${backend.mediaMaxBytes}) is ${item.state}; the largest media request sent was ${sent} bytes`,
        );
      }
      if (item.state === 'FAILED') {
        if (!item.lastError) c.problems.push(`${d.name}: photo ${taken.photoId} FAILED without a reason`);
        continue;
      }
      if (item.state !== 'SYNCED') continue; // queuesDrained reports what is still waiting
      if ((stored[publicId] ?? 0) === 0) {
        c.problems.push(
          `${d.name}: photo ${taken.photoId} is SYNCED on the device but the media store never stored it`,
        );
        continue;
      }
      if (item.localPath) {
        const [mine, theirs] = await Promise.all([
          sha256(join(d.snapshot.documentsDir, item.localPath)),
          sha256(backend.mediaFile(publicId)),
        ]);
        if (mine !== theirs)
          c.problems.push(`${d.name}: photo ${taken.photoId} stored bytes differ from the device's file`);
      }
      const row = server.get(taken.orgId)?.photos?.get(taken.photoId);
      if (!row) {
        if (!rejected.has(taken.photoId))
          c.problems.push(`${d.name}: photo row ${taken.photoId} is not on the server`);
      } else if (row.cloudinary_public_id !== publicId || !row.cloudinary_url) {
        c.problems.push(`${d.name}: photo row ${taken.photoId} is not confirmed on the server`);
      }
    }
  }
  return c;
}

/** The media store wrote each public id once, and only photos someone took. */
async function mediaOnce(backend: SimBackend, devices: DeviceState[], intents: IntentLog): Promise<Check> {
  const c = check('media once', 'the media store stored each public id once, and only photos taken');
  const orgs = new Set(devices.map((d) => d.orgId));
  const taken = new Set(intents.photos.map((p) => PUBLIC_ID(p.orgId, p.photoId)));
  for (const [publicId, n] of Object.entries(await backend.storedCounts())) {
    const org = publicId.split('/')[1] ?? '';
    if (!orgs.has(org)) continue;
    c.checked++;
    if (n > 1) c.problems.push(`${publicId} was stored ${n} times`);
    if (!taken.has(publicId)) c.problems.push(`${publicId} was stored but no one took that photo`);
  }
  return c;
}

/** Nothing is left waiting: no queued change, no photo queued or mid-upload. */
function queuesDrained(devices: DeviceState[]): Check {
  const c = check('queues drained', 'no change or photo is left waiting on any device');
  for (const d of devices) {
    c.checked++;
    const s = d.snapshot;
    if (s.pendingChanges > 0) c.problems.push(`${d.name}: ${s.pendingChanges} changes still queued`);
    const waiting = s.photos.filter((p) => p.state === 'QUEUED_UPLOAD' || p.state === 'UPLOADING');
    if (waiting.length > 0)
      c.problems.push(
        `${d.name}: ${waiting.length} photos still waiting (${waiting.map((p) => `${p.state}: ${p.lastError ?? '-'}`).join('; ')})`,
      );
  }
  return c;
}

function budgetsKept(devices: DeviceState[], slackMs: number): Check {
  const c = check('budgets kept', `no run lasted longer than its budget + ${slackMs / 1000} s`);
  for (const d of devices) {
    for (const r of d.runs) {
      if (!r.report) continue;
      c.checked++;
      const took = Math.max(r.report.durationMs, r.realMs ?? 0);
      if (took > r.budgetMs + slackMs)
        c.problems.push(`${d.name}: a ${r.trigger} run took ${took} ms on a ${r.budgetMs} ms budget`);
    }
  }
  return c;
}

/**
 * After the final download every device shows exactly its organization's rows on the server.
 * Timestamps count as equal when they are the same instant (the engine's rule): a device holds the
 * service's spelling for synced values and its own ISO for values it wrote.
 */
export function converged(
  devices: DeviceState[],
  server: Map<string, Record<string, Map<string, ReplicatedRow>>>,
): Check {
  const c = check('devices converged', "every device shows exactly the server's rows");
  for (const d of devices) {
    for (const [table, columns] of Object.entries(REPLICATED_COLUMNS)) {
      const theirs = server.get(d.orgId)?.[table] ?? new Map<string, ReplicatedRow>();
      const mine = new Map((d.snapshot.rows[table] ?? []).map((r) => [String(r.id), r]));
      for (const [id, row] of theirs) {
        c.checked++;
        const local = mine.get(id);
        if (!local) {
          c.problems.push(`${d.name}: lacks ${table} ${id}`);
          continue;
        }
        const diff = columns.filter((col) => !same(local[col], row[col]));
        if (diff.length > 0)
          c.problems.push(
            `${d.name}: ${table} ${id} differs in ${diff.map((col) => `${col} (${show(local[col])} ≠ ${show(row[col])})`).join(', ')}`,
          );
      }
      for (const id of mine.keys())
        if (!theirs.has(id)) c.problems.push(`${d.name}: has ${table} ${id} the server does not`);
    }
  }
  return c;
}

function same(a: unknown, b: unknown): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  return String(a) === String(b) || sameInstant(a, b);
}

function show(v: unknown): string {
  return v === null || v === undefined ? 'null' : JSON.stringify(v);
}

function ranges(ns: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ns.length; ) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === (ns[j] as number) + 1) j++;
    out.push(i === j ? `${ns[i]}` : `${ns[i]}–${ns[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? resolve('(missing)') : reject(e)));
  });
}

/** Problems beyond the first few are summarised. */
export function shownProblems(c: Check): string[] {
  if (c.problems.length <= MAX_PROBLEMS_SHOWN) return c.problems;
  return [...c.problems.slice(0, MAX_PROBLEMS_SHOWN), `… and ${c.problems.length - MAX_PROBLEMS_SHOWN} more`];
}

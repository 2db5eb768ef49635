// The load generator: N phones in M organizations upload back-to-back over real HTTP (127.0.0.1)
// to one or more server instances, for a bounded time and op count. Every request's latency is
// recorded; progress lines are printed while it runs; server memory is sampled.
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import type { UploadAnswer } from '@vhd/sync-contract';
import { type Op, Phone, type RequestRecord } from './phone';
import { percentile } from './stats';

export interface LoadOptions {
  /** Base URLs of the server instances; a phone's retry goes to the next instance. */
  urls: string[];
  /** Server process ids whose memory is sampled. */
  serverPids: number[];
  phones: number;
  orgs: number;
  batchOps: number;
  durationMs: number;
  /** Stop starting batches once this many ops were sent. */
  maxOps: number;
  /** Every this many batches, a phone sends a batch a second time (same op ids), as after a lost response. */
  retryEvery: number;
  progressEveryMs: number;
  log(line: string): void;
  /** Prefix of user and organization ids (unique per run, so runs on one database never mix). */
  tag: string;
}

export interface MemorySample {
  at: number;
  rssMb: number;
}

export interface LoadOutcome {
  phones: Phone[];
  requests: RequestRecord[];
  memory: MemorySample[];
  /** Retries whose answer differed from the first answer. */
  retryMismatches: number;
  /** Ops rejected in a first answer (the workload is valid: every rejection is a failure). */
  rejectedOps: number;
  /** Requests answered with something other than 200, and requests that failed on the network. */
  errors: { status: number; message: string }[];
  elapsedMs: number;
  loadAverage: { start: number; end: number };
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function sessionToken(url: string, user: string, org: string): Promise<string> {
  const res = await fetch(`${url}/dev/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, org, expiresInSec: 4 * 3600 }),
  });
  if (!res.ok) throw new Error(`dev session: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Runs the phones until the time or op bound; waits for requests in flight. */
export async function runLoad(opts: LoadOptions): Promise<LoadOutcome> {
  const phones: Phone[] = [];
  for (let i = 0; i < opts.phones; i++) {
    const user = `${opts.tag}_u${i}`;
    const org = `${opts.tag}_o${i % opts.orgs}`;
    const token = await sessionToken(opts.urls[0]!, user, org);
    phones.push(new Phone(`user_${user}`, `org_${org}`, token));
  }
  const requests: RequestRecord[] = [];
  const memory: MemorySample[] = [];
  const errors: LoadOutcome['errors'] = [];
  let retryMismatches = 0;
  let rejectedOps = 0;
  let opsSent = 0;
  const started = performance.now();
  const now = () => performance.now() - started;
  const loadStart = loadavg()[0] ?? 0;
  const deadline = opts.durationMs;

  async function post(
    url: string,
    phone: Phone,
    batch: Op[],
  ): Promise<{ status: number; answer?: UploadAnswer }> {
    const res = await fetch(`${url}/api/powersync/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${phone.token}` },
      body: JSON.stringify({ client_id: phone.clientId, batch }),
    });
    const text = await res.text();
    if (res.status !== 200) {
      errors.push({ status: res.status, message: text.slice(0, 300) });
      return { status: res.status };
    }
    return { status: 200, answer: JSON.parse(text) as UploadAnswer };
  }

  async function drive(phone: Phone, index: number) {
    let instance = index % opts.urls.length;
    for (let sent = 1; now() < deadline && opsSent < opts.maxOps; sent++) {
      const batch = phone.nextBatch(opts.batchOps);
      opsSent += batch.length;
      let first: UploadAnswer | undefined;
      // A failed request is sent again (same op ids) until answered, as the engine would.
      for (let attempt = 0; !first; attempt++) {
        const t0 = performance.now();
        let result: Awaited<ReturnType<typeof post>>;
        try {
          result = await post(opts.urls[instance]!, phone, batch);
        } catch (err) {
          errors.push({ status: 0, message: (err as Error).message });
          result = { status: 0 };
        }
        const fresh = result.answer ? result.answer.applied.length : 0;
        requests.push({
          at: now(),
          ms: performance.now() - t0,
          applied: fresh,
          retry: attempt > 0,
          status: result.status,
        });
        if (result.answer) first = result.answer;
        else if (attempt >= 5) throw new Error(`phone ${phone.userId}: batch failed ${attempt + 1} times`);
        else await new Promise((r) => setTimeout(r, 200));
      }
      rejectedOps += phone.confirm(batch, first).length;
      if (sent % opts.retryEvery === 0) {
        // The answer "was lost": the same batch again, to another instance when there is one.
        instance = (instance + 1) % opts.urls.length;
        const t0 = performance.now();
        const again = await post(opts.urls[instance]!, phone, batch).catch((err: Error) => {
          errors.push({ status: 0, message: err.message });
          return { status: 0, answer: undefined };
        });
        requests.push({
          at: now(),
          ms: performance.now() - t0,
          applied: 0,
          retry: true,
          status: again.status,
        });
        if (JSON.stringify(again.answer) !== JSON.stringify(first)) retryMismatches++;
      }
    }
  }

  let lastProgress = 0;
  let lastCount = 0;
  const sampler = setInterval(async () => {
    const at = now();
    const rss = (await Promise.all(opts.serverPids.map(rssMb))).reduce((a, b) => a + b, 0);
    memory.push({ at, rssMb: round1(rss) });
    if (at - lastProgress < opts.progressEveryMs) return;
    const window = requests.slice(lastCount);
    const seconds = (at - lastProgress) / 1000;
    const applied = window.reduce((a, r) => a + r.applied, 0);
    const ms = window.map((r) => r.ms);
    opts.log(
      `${(at / 1000).toFixed(0)} s: ${Math.round(applied / seconds).toLocaleString('en')} applied ops/s, ` +
        `p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, ` +
        `${window.length} requests, ${errors.length} errors, server RSS ${rss.toFixed(0)} MB, load ${(loadavg()[0] ?? 0).toFixed(2)}`,
    );
    lastProgress = at;
    lastCount += window.length;
  }, 1_000);
  try {
    await Promise.all(phones.map(drive));
  } finally {
    clearInterval(sampler);
  }
  return {
    phones,
    requests,
    memory,
    retryMismatches,
    rejectedOps,
    errors,
    elapsedMs: now(),
    loadAverage: { start: round2(loadStart), end: round2(loadavg()[0] ?? 0) },
  };
}

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LINK_PROFILES, LinkEmulator, type LinkProfile } from '../src/linkEmulator';

// These tests measure the emulator's own accuracy (rate, latency), so a few have tolerances; they
// assert that the emulator does what it claims, not that anything is fast.

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(
  onConnection: (socket: net.Socket) => void,
): Promise<{ port: number; server: net.Server }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, server };
}

async function emulate(port: number, profile: LinkProfile, queueMs?: number): Promise<LinkEmulator> {
  const link = await LinkEmulator.start({ target: { host: '127.0.0.1', port }, profile, queueMs });
  cleanups.push(() => link.close());
  return link;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
    cleanups.push(() => {
      s.destroy();
    });
  });
}

/** Resolves with everything the socket receives until it ends. */
function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

/** Resolves with the error (or 'closed') that ends the socket. */
function closedWith(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    socket.once('close', () => resolve('closed'));
    socket.resume();
  });
}

function echoOnce(socket: net.Socket, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (c: Buffer) => resolve(c.toString()));
    socket.once('error', reject);
    socket.write(message);
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mbit = (bytes: number, ms: number) => (bytes * 8) / (ms * 1000);

describe('LinkEmulator', () => {
  it('ships the documented profiles and refuses an unknown one', async () => {
    expect(LINK_PROFILES['4G']).toMatchObject({ latencyMs: 60, bitsPerSecond: 20_000_000 });
    expect(LINK_PROFILES.poor3G).toMatchObject({ latencyMs: 150, bitsPerSecond: 1_500_000 });
    expect(LINK_PROFILES.none).toMatchObject({ latencyMs: 0, bitsPerSecond: null });
    await expect(
      LinkEmulator.start({ target: { host: '127.0.0.1', port: 1 }, profile: '3G' as never }),
    ).rejects.toThrow(/unknown link profile "3G"/);
  });

  it('carries HTTP intact, half-closes included, and counts bytes per direction', async () => {
    const body = randomBytes(200_000);
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(sha(Buffer.concat(chunks)) + body.toString('hex')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    server.on('connection', (s) => cleanups.push(() => void s.destroy()));
    const link = await emulate((server.address() as net.AddressInfo).port, LINK_PROFILES.none);

    const upload = randomBytes(300_000);
    const res = await fetch(`${link.url}/x`, { method: 'POST', body: upload });
    const text = await res.text();
    expect(text.slice(0, 64)).toBe(sha(upload));
    expect(text.slice(64)).toBe(body.toString('hex'));

    const stats = link.stats();
    expect(stats.up.bytes).toBeGreaterThan(upload.length);
    expect(stats.up.bytes).toBeLessThan(upload.length + 2_000);
    expect(stats.down.bytes).toBeGreaterThan(64 + body.length * 2);
    expect(stats.connections.accepted).toBe(1);
  });

  it('caps a 1 MB download at the configured rate (8 Mbit/s, within 10%)', async () => {
    const payload = randomBytes(1_000_000);
    const { port } = await listen((s) => s.end(payload));
    const link = await emulate(port, { name: 'cap', latencyMs: 0, bitsPerSecond: 8_000_000 });
    const client = await connect(link.port);
    const start = performance.now();
    const received = await readAll(client);
    const rate = mbit(received.length, performance.now() - start);
    expect(sha(received)).toBe(sha(payload));
    expect(rate).toBeGreaterThan(8 * 0.9);
    expect(rate).toBeLessThan(8 * 1.1);
  });

  it('shares one cap between concurrent connections (two 512 KB uploads at 8 Mbit/s)', async () => {
    const finished: number[] = [];
    const received: Buffer[] = [];
    const { port } = await listen((s) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => {
        finished.push(performance.now());
        received.push(Buffer.concat(chunks));
        s.end();
      });
    });
    const link = await emulate(port, { name: 'cap', latencyMs: 0, bitsPerSecond: 8_000_000 });
    const payloads = [randomBytes(512_000), randomBytes(512_000)];
    const clients = await Promise.all([connect(link.port), connect(link.port)]);
    const start = performance.now();
    clients.forEach((c, i) => {
      c.resume();
      c.end(payloads[i]!);
    });
    await until(() => finished.length === 2, 'both uploads');
    const total = mbit(1_024_000, Math.max(...finished) - start);
    expect(total).toBeGreaterThan(8 * 0.9);
    expect(total).toBeLessThan(8 * 1.1);
    // Shared: the first to finish got about half the cap (4 Mbit/s), not all of it (8 Mbit/s, one
    // after the other); a loaded machine may give one connection a head start, hence 6.
    expect(mbit(512_000, Math.min(...finished) - start)).toBeLessThan(6);
    expect(received.map(sha).sort()).toEqual(payloads.map(sha).sort());
    expect(link.stats().up.bytes).toBe(1_024_000);
  });

  it('adds the configured one-way latency in each direction (100 ms → ~200 ms round trip)', async () => {
    const { port } = await listen((s) => s.pipe(s));
    const link = await emulate(port, { name: 'slow', latencyMs: 100, bitsPerSecond: null });
    const client = await connect(link.port);
    await echoOnce(client, 'warm-up');
    const start = performance.now();
    expect(await echoOnce(client, 'ping')).toBe('ping');
    const rtt = performance.now() - start;
    expect(rtt).toBeGreaterThanOrEqual(198);
    expect(rtt).toBeLessThan(260);
  });

  it('keeps its buffers bounded when the receiver is slow (backpressure), then delivers everything', async () => {
    let receiver: net.Socket | undefined;
    const got: Buffer[] = [];
    let done = false;
    const { port } = await listen((s) => {
      receiver = s;
      s.pause(); // a receiver that does not read
      s.on('data', (c: Buffer) => got.push(c));
      s.on('end', () => {
        done = true;
      });
    });
    // 200 Mbit/s (25 MB/s) so the test is quick; queue 5 ms = 125 KB; latency 5 ms = 125 KB in flight
    // at the cap, plus the bucket's 25 ms burst (625 KB). Nothing else may pile up in the proxy.
    const link = await emulate(port, { name: 'fast', latencyMs: 5, bitsPerSecond: 200_000_000 }, 5);
    const payload = randomBytes(24 * 1024 * 1024);
    const client = await connect(link.port);
    client.end(payload);

    // Wait until nothing moves any more: the receiver's kernel buffers are full and the proxy has
    // paused its source.
    let last = -1;
    let still = 0;
    await until(() => {
      const b = link.stats().up.bytes;
      still = b === last ? still + 1 : 0;
      last = b;
      return still >= 10;
    }, 'the link to stall');
    const stalled = link.stats().up;
    const chunk = 64 * 1024;
    const bound = 125_000 + 125_000 + 625_000 + 4 * chunk;
    expect(stalled.peakBufferedBytes).toBeLessThanOrEqual(bound);
    expect(stalled.peakQueuedBytes).toBeLessThanOrEqual(125_000 + chunk);
    // The rest is still with the sender, not in the proxy.
    expect(stalled.bytes + stalled.bufferedBytes).toBeLessThan(payload.length - 4 * 1024 * 1024);

    receiver!.resume();
    await until(() => done, 'the whole payload');
    expect(sha(Buffer.concat(got))).toBe(sha(payload));
    expect(link.stats().up.peakBufferedBytes).toBeLessThanOrEqual(bound);
  });

  it('offline resets open connections and refuses new ones until back online', async () => {
    const { port } = await listen((s) => s.pipe(s));
    const link = await emulate(port, LINK_PROFILES.none);
    const open = await connect(link.port);
    expect(await echoOnce(open, 'a')).toBe('a');

    const openEnd = closedWith(open);
    link.setOffline(true);
    expect(await openEnd).toBe('ECONNRESET');
    const refused = net.connect({ host: '127.0.0.1', port: link.port });
    expect(await closedWith(refused)).toBe('ECONNRESET');
    expect(link.stats()).toMatchObject({ offline: true, connections: { active: 0, refused: 1, reset: 1 } });

    link.setOffline(false);
    expect(await echoOnce(await connect(link.port), 'b')).toBe('b');
  });

  it('resetConnections sends RST to both the device and the server', async () => {
    const serverSide: Array<Promise<string>> = [];
    const { port } = await listen((s) => {
      serverSide.push(closedWith(s));
      s.on('data', (c) => s.write(c));
    });
    const link = await emulate(port, LINK_PROFILES.none);
    const client = await connect(link.port);
    expect(await echoOnce(client, 'x')).toBe('x');
    const clientEnd = closedWith(client);
    link.resetConnections();
    expect(await clientEnd).toBe('ECONNRESET');
    expect(await serverSide[0]).toBe('ECONNRESET');
    expect(link.stats().connections).toMatchObject({ active: 0, reset: 1 });
    expect(await echoOnce(await connect(link.port), 'y')).toBe('y');
  });

  it('resets the device’s connection when the server is down', async () => {
    const { port, server } = await listen(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const link = await emulate(port, LINK_PROFILES.none);
    const client = net.connect({ host: '127.0.0.1', port: link.port });
    client.write('hello?');
    expect(await closedWith(client)).toBe('ECONNRESET');
    await until(() => link.stats().connections.active === 0, 'the connection to be dropped');
  });

  it('black hole accepts but never forwards, for open and new connections', async () => {
    let serverConnections = 0;
    let serverBytes = 0;
    const { port } = await listen((s) => {
      serverConnections++;
      s.on('data', (c: Buffer) => {
        serverBytes += c.length;
        s.write(c);
      });
    });
    const link = await emulate(port, LINK_PROFILES.none);
    const open = await connect(link.port);
    expect(await echoOnce(open, 'before')).toBe('before');
    const bytesBefore = serverBytes;

    link.blackhole(true);
    let answered = false;
    open.on('data', () => {
      answered = true;
    });
    open.write('lost');
    const fresh = await connect(link.port); // accepted…
    fresh.on('data', () => {
      answered = true;
    });
    fresh.write('lost too');
    await until(() => link.stats().up.droppedBytes === 'lost'.length + 'lost too'.length, 'the drops');
    // …but nothing reached the server and nothing came back.
    expect(serverConnections).toBe(1);
    expect(serverBytes).toBe(bytesBefore);
    expect(answered).toBe(false);
    expect(link.stats()).toMatchObject({ blackhole: true, connections: { active: 2 } });

    link.blackhole(false);
    expect(await echoOnce(await connect(link.port), 'after')).toBe('after');
    expect(serverConnections).toBe(2);
  });

  it('changes profile on a live link (a connection drops to poor 3G rates)', async () => {
    const payload = randomBytes(150_000);
    const { port } = await listen((s) => s.on('data', () => s.end(payload)));
    const link = await emulate(port, LINK_PROFILES.none);
    link.setProfile({ name: 'slow', latencyMs: 0, bitsPerSecond: 4_000_000 });
    const client = await connect(link.port);
    const start = performance.now();
    client.write('go');
    const received = await readAll(client);
    expect(received.length).toBe(payload.length);
    // 150 KB at 4 Mbit/s is 300 ms (less the bucket's 25 ms burst); unshaped it would take ~1 ms.
    expect(performance.now() - start).toBeGreaterThan(250);
    expect(link.stats().profile).toBe('slow');
  });
});

// A phone's network link, in Node: a TCP proxy between the simulated device and the server that
// adds one-way latency and caps bandwidth with one token bucket per direction shared by every
// connection (like one radio), with a bounded queue (~250 ms at the cap) and real backpressure:
// a source socket is paused while the queue is full or its destination is not draining, so the
// proxy's memory stays bounded whatever the peers do.
//
// What it does NOT model: packet loss and TCP retransmission, congestion control dynamics, or the
// connection handshake's round trip (the proxy accepts on loopback at once; only data is delayed).
// Both legs are loopback TCP, which never loses a segment; the emulator only shapes rate and delay.
//
// Controls for tests and trials: setOffline() (reset everything, refuse new connections),
// resetConnections() (RST all), blackhole() (accept and swallow: a stalled network), setProfile().
import net from 'node:net';
import { type Flow, LinkDirection, type LinkShape } from './linkDirection';

export interface LinkProfile {
  name: string;
  /** One-way latency in each direction. */
  latencyMs: number;
  /** Bandwidth cap per direction in bits per second; null = unlimited. */
  bitsPerSecond: number | null;
}

export const LINK_PROFILES = {
  '4G': { name: '4G', latencyMs: 60, bitsPerSecond: 20_000_000 },
  poor3G: { name: 'poor3G', latencyMs: 150, bitsPerSecond: 1_500_000 },
  none: { name: 'none', latencyMs: 0, bitsPerSecond: null },
} as const satisfies Record<string, LinkProfile>;

export type LinkProfileName = keyof typeof LINK_PROFILES;

export interface LinkEmulatorOptions {
  /** Where connections are forwarded (the server). */
  target: { host: string; port: number };
  /** A named profile or a custom one. Default `none`. */
  profile?: LinkProfileName | LinkProfile;
  /** Queue size as time at the cap (default 250 ms). */
  queueMs?: number;
}

export interface LinkDirectionStats {
  /** Bytes delivered to the destination (device→server for `up`, server→device for `down`). */
  bytes: number;
  /** Bytes waiting for bandwidth now, and the most ever. */
  queuedBytes: number;
  peakQueuedBytes: number;
  /** All bytes the proxy holds for this direction: queue + delay line + unflushed socket writes. */
  bufferedBytes: number;
  peakBufferedBytes: number;
  /** Bytes swallowed by the black hole. */
  droppedBytes: number;
}

export interface LinkStats {
  profile: string;
  offline: boolean;
  blackhole: boolean;
  up: LinkDirectionStats;
  down: LinkDirectionStats;
  connections: { active: number; accepted: number; refused: number; reset: number };
}

/** Queue size used when there is no cap (250 ms of an unlimited link is not a size). */
const UNCAPPED_QUEUE_BYTES = 1024 * 1024;

function resolveProfile(p: LinkProfileName | LinkProfile | undefined): LinkProfile {
  if (p === undefined) return LINK_PROFILES.none;
  if (typeof p !== 'string') return p;
  const known = (LINK_PROFILES as Record<string, LinkProfile>)[p];
  if (!known)
    throw new Error(`unknown link profile "${p}" (known: ${Object.keys(LINK_PROFILES).join(', ')})`);
  return known;
}

function shapeOf(profile: LinkProfile, queueMs: number): LinkShape {
  const bytesPerSecond = profile.bitsPerSecond === null ? null : profile.bitsPerSecond / 8;
  return {
    latencyMs: profile.latencyMs,
    bytesPerSecond,
    queueLimitBytes:
      bytesPerSecond === null ? UNCAPPED_QUEUE_BYTES : Math.ceil((bytesPerSecond * queueMs) / 1000),
  };
}

function reset(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

interface DirectionCounters {
  link: LinkDirection;
  peakBufferedBytes: number;
  droppedBytes: number;
}

interface ConnectionHooks {
  /** The connection is over; `wasReset` when the emulator or an error reset it. */
  gone(connection: TrackedConnection, wasReset: boolean): void;
  /** Bytes moved in or out of the proxy's buffers for this direction. */
  moved(counters: DirectionCounters): void;
}

interface TrackedConnection {
  reset(): void;
  blackhole(): void;
  /** Bytes written towards this direction's destination but not yet flushed to the kernel. */
  unflushed(counters: DirectionCounters): number;
}

/** One proxied TCP connection: device socket ↔ server socket, each direction a flow on the shared link. */
class ProxiedConnection implements TrackedConnection {
  private readonly flows: Array<{ flow: Flow; link: LinkDirection }> = [];
  private blackholed = false;
  private closed = false;

  constructor(
    private readonly client: net.Socket,
    private readonly upstream: net.Socket,
    private readonly up: DirectionCounters,
    down: DirectionCounters,
    private readonly hooks: ConnectionHooks,
  ) {
    this.pipe(client, upstream, up);
    this.pipe(upstream, client, down);
    const onError = () => this.reset();
    client.on('error', onError);
    upstream.on('error', onError);
    const onClose = () => {
      if (!this.closed && client.destroyed && upstream.destroyed) this.finish(false);
    };
    client.on('close', onClose);
    upstream.on('close', onClose);
  }

  unflushed(counters: DirectionCounters): number {
    return counters === this.up ? this.upstream.writableLength : this.client.writableLength;
  }

  blackhole(): void {
    this.blackholed = true;
    for (const { flow, link } of this.flows) link.discard(flow);
    // Keep reading (and dropping) so the peers see a stall, not backpressure.
    this.client.resume();
    this.upstream.resume();
  }

  reset(): void {
    if (this.closed) return;
    reset(this.client);
    reset(this.upstream);
    this.finish(true);
  }

  private finish(wasReset: boolean): void {
    this.closed = true;
    for (const { flow, link } of this.flows) link.discard(flow);
    this.hooks.gone(this, wasReset);
  }

  private pipe(source: net.Socket, dest: net.Socket, counters: DirectionCounters): void {
    const link = counters.link;
    let ended = false;
    let paused = false;
    let destCongested = false;
    const maybeEnd = () => {
      if (ended && !this.blackholed && link.isIdle(flow) && !dest.destroyed && !dest.writableEnded)
        dest.end();
    };
    const maybeResume = () => {
      if (!paused || this.closed || this.blackholed) return;
      if (destCongested) return; // 'drain' calls back
      if (!link.hasSpace()) return link.waitForSpace(flow);
      paused = false;
      source.resume();
    };
    const flow = link.openFlow({
      deliver: (chunk) => {
        if (dest.destroyed) return;
        if (!dest.write(chunk)) destCongested = true;
        this.hooks.moved(counters);
      },
      onSpace: maybeResume,
      onIdle: maybeEnd,
    });
    this.flows.push({ flow, link });
    source.on('data', (chunk: Buffer) => {
      if (this.blackholed) {
        counters.droppedBytes += chunk.length;
        return;
      }
      const hasRoom = link.enqueue(flow, chunk);
      this.hooks.moved(counters);
      if (!hasRoom || destCongested) {
        paused = true;
        source.pause();
      }
    });
    dest.on('drain', () => {
      destCongested = false;
      maybeResume();
    });
    source.on('end', () => {
      ended = true;
      maybeEnd();
    });
  }
}

/** A connection accepted while black-holed: read and dropped, never forwarded, never answered. */
class SwallowedConnection implements TrackedConnection {
  private closed = false;

  constructor(
    private readonly client: net.Socket,
    up: DirectionCounters,
    private readonly hooks: ConnectionHooks,
  ) {
    client.on('data', (chunk: Buffer) => {
      up.droppedBytes += chunk.length;
    });
    client.on('error', () => this.reset());
    client.on('close', () => this.finish(false));
  }

  unflushed(): number {
    return 0;
  }

  blackhole(): void {}

  reset(): void {
    if (this.closed) return;
    reset(this.client);
    this.finish(true);
  }

  private finish(wasReset: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.hooks.gone(this, wasReset);
  }
}

export class LinkEmulator {
  private profile: LinkProfile;
  private readonly queueMs: number;
  private readonly up: DirectionCounters;
  private readonly down: DirectionCounters;
  private readonly connections = new Set<TrackedConnection>();
  private readonly hooks: ConnectionHooks = {
    gone: (connection, wasReset) => {
      if (this.connections.delete(connection) && wasReset) this.resets++;
    },
    moved: (counters) => {
      counters.peakBufferedBytes = Math.max(counters.peakBufferedBytes, this.buffered(counters));
    },
  };
  private offline = false;
  private blackholeOn = false;
  private accepted = 0;
  private refused = 0;
  private resets = 0;

  private constructor(
    private readonly server: net.Server,
    private readonly options: LinkEmulatorOptions,
  ) {
    this.profile = resolveProfile(options.profile);
    this.queueMs = options.queueMs ?? 250;
    const shape = shapeOf(this.profile, this.queueMs);
    this.up = { link: new LinkDirection(shape), peakBufferedBytes: 0, droppedBytes: 0 };
    this.down = { link: new LinkDirection(shape), peakBufferedBytes: 0, droppedBytes: 0 };
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on 127.0.0.1 on a free port and forwards to `options.target`. */
  static async start(options: LinkEmulatorOptions): Promise<LinkEmulator> {
    resolveProfile(options.profile);
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    const emulator = new LinkEmulator(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return emulator;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Base URL to give the device instead of the server's. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setProfile(profile: LinkProfileName | LinkProfile): void {
    this.profile = resolveProfile(profile);
    const shape = shapeOf(this.profile, this.queueMs);
    this.up.link.setShape(shape);
    this.down.link.setShape(shape);
  }

  /** Offline: every open connection is reset and new ones are reset on arrival. */
  setOffline(offline: boolean): void {
    this.offline = offline;
    if (offline) this.resetConnections();
  }

  /** Sends RST on both legs of every open connection. */
  resetConnections(): void {
    for (const c of [...this.connections]) c.reset();
  }

  /**
   * Black hole: connections (open ones and new ones) are kept open but nothing is forwarded in
   * either direction — requests stall until the peer times out. Turning it off affects only new
   * connections: a stream that lost bytes cannot be resumed.
   */
  blackhole(on: boolean): void {
    this.blackholeOn = on;
    if (on) for (const c of this.connections) c.blackhole();
  }

  stats(): LinkStats {
    return {
      profile: this.profile.name,
      offline: this.offline,
      blackhole: this.blackholeOn,
      up: this.directionStats(this.up),
      down: this.directionStats(this.down),
      connections: {
        active: this.connections.size,
        accepted: this.accepted,
        refused: this.refused,
        reset: this.resets,
      },
    };
  }

  async close(): Promise<void> {
    this.resetConnections();
    this.up.link.close();
    this.down.link.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private buffered(counters: DirectionCounters): number {
    let unflushed = 0;
    for (const c of this.connections) unflushed += c.unflushed(counters);
    return counters.link.queuedBytes + counters.link.inFlightBytes + unflushed;
  }

  private directionStats(counters: DirectionCounters): LinkDirectionStats {
    return {
      bytes: counters.link.deliveredBytes,
      queuedBytes: counters.link.queuedBytes,
      peakQueuedBytes: counters.link.peakQueuedBytes,
      bufferedBytes: this.buffered(counters),
      peakBufferedBytes: counters.peakBufferedBytes,
      droppedBytes: counters.droppedBytes,
    };
  }

  private accept(client: net.Socket): void {
    if (this.offline) {
      this.refused++;
      client.on('error', () => {});
      reset(client);
      return;
    }
    this.accepted++;
    client.setNoDelay(true);
    if (this.blackholeOn) {
      this.connections.add(new SwallowedConnection(client, this.up, this.hooks));
      return;
    }
    const upstream = net.connect({
      host: this.options.target.host,
      port: this.options.target.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    this.connections.add(new ProxiedConnection(client, upstream, this.up, this.down, this.hooks));
  }
}

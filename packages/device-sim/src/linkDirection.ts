// One direction of the emulated phone link (device→server or server→device), shared by every
// connection through the emulator: a token bucket (the radio's bandwidth), one bounded queue in
// front of it (the bottleneck buffer), and a delay line (one-way propagation latency).
// Connections feed it through flows; a flow is one TCP stream's bytes in this direction.

/** How one direction of the link behaves. */
export interface LinkShape {
  /** One-way latency added to every byte. */
  latencyMs: number;
  /** Bandwidth cap in bytes per second; null = unlimited. */
  bytesPerSecond: number | null;
  /** Bytes the queue holds before sources are paused (plus at most one read chunk per connection). */
  queueLimitBytes: number;
}

export interface FlowHandlers {
  /** Bytes leaving the delay line, in order, for the flow's destination socket. */
  deliver(chunk: Buffer): void;
  /** The queue dropped to its low-water mark after this flow was told it was full. */
  onSpace(): void;
  /** Everything enqueued on the flow has been delivered (or discarded). */
  onIdle(): void;
}

export interface Flow {
  readonly handlers: FlowHandlers;
  chunks: Buffer[];
  /** Bytes waiting in the queue. */
  queued: number;
  /** Bytes in the delay line. */
  inFlight: number;
  /** Set by discard(): nothing more is delivered. */
  discarded: boolean;
}

interface InFlight {
  at: number;
  flow: Flow;
  chunk: Buffer;
}

/** Largest piece sent in one go, so concurrent flows interleave finely (round-robin). */
const QUANTUM_BYTES = 16 * 1024;
/** Tokens the bucket can save up while idle: a short burst. */
const BURST_MS = 25;

export class LinkDirection {
  private shape: LinkShape;
  private tokens: number;
  private refilledAt = performance.now();
  /** Bytes were waiting when the pump last ran: the link was busy since, not idle. */
  private backlogged = false;
  /** Flows with queued bytes, in round-robin order. */
  private readonly ready: Flow[] = [];
  private readonly waiting = new Set<Flow>();
  private readonly delayLine: InFlight[] = [];
  private pumpTimer: NodeJS.Timeout | undefined;
  private deliverTimer: NodeJS.Timeout | undefined;
  private closed = false;

  queuedBytes = 0;
  peakQueuedBytes = 0;
  inFlightBytes = 0;
  /** Bytes handed to destination sockets. */
  deliveredBytes = 0;

  constructor(shape: LinkShape) {
    this.shape = shape;
    this.tokens = this.burstBytes();
  }

  setShape(shape: LinkShape): void {
    this.refill();
    this.shape = shape;
    this.tokens = Math.min(this.tokens, this.burstBytes());
    this.schedulePump(0);
    this.notifySpace();
  }

  openFlow(handlers: FlowHandlers): Flow {
    return { handlers, chunks: [], queued: 0, inFlight: 0, discarded: false };
  }

  /** Queues `chunk` on `flow`. Returns false when the queue is full: the caller pauses its source. */
  enqueue(flow: Flow, chunk: Buffer): boolean {
    if (this.closed || flow.discarded || chunk.length === 0) return !this.isFull();
    if (flow.queued === 0) this.ready.push(flow);
    flow.chunks.push(chunk);
    flow.queued += chunk.length;
    this.queuedBytes += chunk.length;
    this.peakQueuedBytes = Math.max(this.peakQueuedBytes, this.queuedBytes);
    this.schedulePump(0);
    if (this.isFull()) {
      this.waiting.add(flow);
      return false;
    }
    return true;
  }

  isFull(): boolean {
    return this.queuedBytes >= this.shape.queueLimitBytes;
  }

  /** True when a paused source may resume: the queue is down to its low-water mark. */
  hasSpace(): boolean {
    return this.queuedBytes <= this.shape.queueLimitBytes / 2;
  }

  /** Registers `flow` for one onSpace() call once the queue drains to its low-water mark. */
  waitForSpace(flow: Flow): void {
    this.waiting.add(flow);
  }

  isIdle(flow: Flow): boolean {
    return flow.queued === 0 && flow.inFlight === 0;
  }

  /** Drops everything the flow has queued or in flight (a reset connection). */
  discard(flow: Flow): void {
    if (flow.discarded) return;
    flow.discarded = true;
    this.queuedBytes -= flow.queued;
    flow.queued = 0;
    flow.chunks = [];
    const i = this.ready.indexOf(flow);
    if (i >= 0) this.ready.splice(i, 1);
    this.waiting.delete(flow);
    this.notifySpace();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.pumpTimer);
    clearTimeout(this.deliverTimer);
    this.ready.length = 0;
    this.delayLine.length = 0;
    this.waiting.clear();
  }

  private burstBytes(): number {
    const rate = this.shape.bytesPerSecond;
    return rate === null ? Number.POSITIVE_INFINITY : Math.max(QUANTUM_BYTES, (rate * BURST_MS) / 1000);
  }

  private refill(): void {
    const now = performance.now();
    const rate = this.shape.bytesPerSecond;
    if (rate !== null) {
      const earned = this.tokens + ((now - this.refilledAt) * rate) / 1000;
      // A busy link keeps what it earned while the pump's timer ran late (a loaded event loop),
      // so the long-run rate stays the cap; only an idle link is limited to a short burst.
      this.tokens = this.backlogged ? earned : Math.min(this.burstBytes(), earned);
    }
    this.refilledAt = now;
  }

  private schedulePump(delayMs: number): void {
    if (this.pumpTimer !== undefined || this.closed) return;
    this.pumpTimer = setTimeout(this.pump, delayMs);
  }

  // Sends round-robin, one quantum per flow per turn, while the bucket has tokens. The bucket may go
  // into debt by one piece; that piece finishes "serialising" when the debt is repaid, and the next
  // pump waits until then — so the long-run rate is exactly the cap, without sub-millisecond timers.
  private readonly pump = (): void => {
    this.pumpTimer = undefined;
    if (this.closed) return;
    this.refill();
    const rate = this.shape.bytesPerSecond;
    const now = this.refilledAt;
    while (this.ready.length > 0 && this.tokens > 0) {
      const flow = this.ready.shift()!;
      const head = flow.chunks[0]!;
      const n = Math.min(head.length, QUANTUM_BYTES);
      const piece = n === head.length ? head : head.subarray(0, n);
      if (n === head.length) flow.chunks.shift();
      else flow.chunks[0] = head.subarray(n);
      flow.queued -= n;
      this.queuedBytes -= n;
      if (flow.queued > 0) this.ready.push(flow);
      let sentAt = now;
      if (rate !== null) {
        this.tokens -= n;
        if (this.tokens < 0) sentAt += (-this.tokens * 1000) / rate;
      }
      this.toDelayLine(flow, piece, sentAt + this.shape.latencyMs);
    }
    this.backlogged = this.ready.length > 0;
    if (this.backlogged && rate !== null) this.schedulePump(Math.max(1, (-this.tokens * 1000) / rate));
    this.notifySpace();
  };

  private notifySpace(): void {
    if (this.waiting.size === 0 || !this.hasSpace()) return;
    const flows = [...this.waiting];
    this.waiting.clear();
    for (const f of flows) f.handlers.onSpace();
  }

  private toDelayLine(flow: Flow, chunk: Buffer, at: number): void {
    flow.inFlight += chunk.length;
    this.inFlightBytes += chunk.length;
    this.delayLine.push({ at, flow, chunk });
    if (this.delayLine.length === 1) this.scheduleDelivery();
  }

  private scheduleDelivery(): void {
    clearTimeout(this.deliverTimer);
    const head = this.delayLine[0];
    if (!head || this.closed) return;
    this.deliverTimer = setTimeout(this.deliverDue, Math.max(0, head.at - performance.now()));
  }

  // Arrival times are non-decreasing (constant latency after a FIFO transmitter), so the delay
  // line is a plain queue with one timer for its head.
  private readonly deliverDue = (): void => {
    this.deliverTimer = undefined;
    const now = performance.now();
    let due = 0;
    while (due < this.delayLine.length && this.delayLine[due]!.at <= now + 0.5) due++;
    for (const { flow, chunk } of this.delayLine.splice(0, due)) {
      flow.inFlight -= chunk.length;
      this.inFlightBytes -= chunk.length;
      if (flow.discarded) continue;
      this.deliveredBytes += chunk.length;
      flow.handlers.deliver(chunk);
      if (this.isIdle(flow)) flow.handlers.onIdle();
    }
    this.scheduleDelivery();
  };
}

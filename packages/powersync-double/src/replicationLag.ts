// The service's replication lag, modelled: a change made to the source (a row put or removed, a write
// checkpoint asked for) reaches the sync streams only after a delay, and in order — like the WAL the
// real service reads (~50–150 ms on loopback, notes/powersync-service-facts.md). Each change is
// queued with its due time; a later change is never due before an earlier one.

/** A fixed lag, or one drawn uniformly from [min, max] for each change. */
export type ReplicationLag = number | { min: number; max: number };

/** What the real service showed on loopback. */
export const DEFAULT_REPLICATION_LAG: ReplicationLag = { min: 50, max: 150 };

export class ReplicationQueue {
  private readonly queue: Array<{ dueAt: number; apply: () => void }> = [];
  private lastDueAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private lag: () => ReplicationLag,
    private readonly random: () => number,
  ) {}

  /** Runs `apply` once the lag has passed and every earlier change was applied (at once when the lag is 0). */
  push(apply: () => void): void {
    if (this.closed) return;
    const ms = this.drawLag();
    if (ms <= 0 && this.queue.length === 0) {
      apply();
      return;
    }
    const dueAt = Math.max(this.lastDueAt, Date.now() + ms);
    this.lastDueAt = dueAt;
    this.queue.push({ dueAt, apply });
    this.arm();
  }

  /** Changes queued and not yet applied. */
  get pending(): number {
    return this.queue.length;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private drawLag(): number {
    const lag = this.lag();
    if (typeof lag === 'number') return lag;
    return lag.min + (lag.max - lag.min) * this.random();
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, (this.queue[0]?.dueAt ?? 0) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      while (this.queue.length > 0 && (this.queue[0]?.dueAt ?? 0) <= now) this.queue.shift()?.apply();
      this.arm();
    }, wait);
    this.timer.unref();
  }
}

// A link in simulated time for upload tests: `bytesPerMs` shared fairly by every transfer on it,
// each answered `answerMs` after its last byte (round trip + server time). Time moves only when
// the test calls `advance`, from event to event, so what is measured does not depend on the
// machine's load.

interface Transfer {
  left: number;
  answered: () => void;
}

export class SimulatedLink {
  now = 0;
  private readonly transfers = new Set<Transfer>();
  private answers: Array<{ at: number; answered: () => void }> = [];

  constructor(
    readonly bytesPerMs: number,
    private readonly answerMs: number,
  ) {}

  /** The clock port of this link's time. */
  readonly clock = {
    now: () => this.now,
    sleep: () => Promise.reject(new Error('SimulatedLink clock: sleep is not simulated')),
  };

  /** Sends `bytes`; resolves when the answer arrives. `signal` takes the transfer off the link. */
  send(bytes: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const answered = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const transfer: Transfer = { left: bytes, answered };
      const onAbort = () => {
        this.transfers.delete(transfer);
        this.answers = this.answers.filter((a) => a.answered !== answered);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.transfers.add(transfer);
    });
  }

  get busy(): boolean {
    return this.transfers.size > 0 || this.answers.length > 0;
  }

  /** Moves time to the next event (a transfer's last byte or an answer), at most to `limit`. */
  advance(limit: number): void {
    const share = this.bytesPerMs / Math.max(1, this.transfers.size);
    let next = limit;
    for (const t of this.transfers) next = Math.min(next, this.now + t.left / share);
    for (const a of this.answers) next = Math.min(next, a.at);
    const dt = Math.max(0, next - this.now);
    this.now = next;
    for (const t of [...this.transfers]) {
      t.left -= dt * share;
      if (t.left <= 1e-6) {
        this.transfers.delete(t);
        this.answers.push({ at: this.now + this.answerMs, answered: t.answered });
      }
    }
    const due = this.answers.filter((a) => a.at <= this.now);
    this.answers = this.answers.filter((a) => a.at > this.now);
    for (const a of due) a.answered();
  }

  /**
   * Runs the link until `until` or until `done()`: between events, `settle()` lets the code under
   * test react (start the next uploads) before time moves on.
   */
  async run(until: number, done: () => boolean, settle: () => Promise<void>): Promise<void> {
    await settle();
    let idle = 0;
    while (this.now < until && !done()) {
      // Nothing on the link: the code under test is busy elsewhere (its database); time waits.
      if (!this.busy) {
        if (++idle > 2_000) throw new Error('SimulatedLink: nothing on the link and the test is not done');
      } else {
        idle = 0;
        this.advance(until);
      }
      await settle();
    }
  }
}

/** Lets promise chains run: a few turns of the event loop. */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

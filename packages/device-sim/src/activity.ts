// Real work in flight across all simulated devices (commands to a device process, runs). The driver
// lets virtual time jump only while nothing is in flight, and flows in real time otherwise.

export class Activity {
  private count = 0;
  private readonly waiters = new Set<() => void>();

  get busy(): boolean {
    return this.count > 0;
  }

  /** Marks one piece of work as started; call the returned function (once) when it ends. */
  begin(): () => void {
    this.count++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.count--;
      if (this.count === 0) for (const w of [...this.waiters]) w();
    };
  }

  /** Wraps a promise as one piece of work. */
  track<T>(work: Promise<T>): Promise<T> {
    const end = this.begin();
    return work.finally(end);
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
    });
  }
}

// Session → system ownership: one system (database + engine) per runtime, for the signed-in user.
// Callers race here — on an iOS cold background launch the task and the UI's session provider both
// ask at once — so the opening is kept as a promise and every caller gets that same promise: two
// database objects on one file miss each other's writes and upload rows twice (DESIGN departure 1).
// Another user's system is closed before the next opens, and a close in progress finishes before
// any open starts, so no two systems ever overlap.

export interface SystemOwnerDeps<S> {
  /** Opens the system of `userId` (its database file, its engine). */
  open(userId: string): S | Promise<S>;
  /** Aborts its run, releases its holds and closes its database. */
  close(system: S): Promise<void>;
}

export interface SystemOwner<S> {
  /** The system of `userId`: the open one, the one being opened, or a new one (the previous user's closed first). */
  systemFor(userId: string): Promise<S>;
  /** The open system, if it has finished opening (without opening one). */
  current(): S | null;
  /** Sign-out: closes the system, if any. A later systemFor opens a new one after this finished. */
  close(): Promise<void>;
}

export function createSystemOwner<S>(deps: SystemOwnerDeps<S>): SystemOwner<S> {
  let entry: { userId: string; opening: Promise<S>; system: S | null } | null = null;
  /** Settles when the last close (or failed open) has finished; opens wait for it. */
  let idle: Promise<void> = Promise.resolve();

  const closeEntry = (closing: NonNullable<typeof entry>): Promise<void> => {
    const done = idle.then(async () => {
      const system = await closing.opening.catch(() => null);
      if (system !== null) await deps.close(system);
    });
    // An open after this waits for the close, whether it worked or not.
    idle = done.catch(() => undefined);
    return done;
  };

  return {
    systemFor(userId) {
      if (entry?.userId === userId) return entry.opening;
      if (entry) void closeEntry(entry).catch(() => undefined);
      const opening = idle.then(() => deps.open(userId));
      const mine: NonNullable<typeof entry> = { userId, opening, system: null };
      entry = mine;
      opening.then(
        (system) => {
          mine.system = system;
        },
        () => {
          // A failed open is forgotten so the next caller tries again.
          if (entry === mine) entry = null;
        },
      );
      return opening;
    },
    current() {
      return entry?.system ?? null;
    },
    close() {
      const closing = entry;
      entry = null;
      return closing ? closeEntry(closing) : idle;
    },
  };
}

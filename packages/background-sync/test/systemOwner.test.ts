// One system per runtime, however the callers race (iOS cold background launch: task and UI at once).
import { describe, expect, it } from 'vitest';
import { createSystemOwner } from '../src/systemOwner';

function recorder() {
  const log: string[] = [];
  let n = 0;
  const owner = createSystemOwner<{ id: number; userId: string }>({
    async open(userId) {
      const id = ++n;
      log.push(`open ${userId} #${id}`);
      await new Promise((r) => setTimeout(r, 5));
      return { id, userId };
    },
    async close(system) {
      log.push(`close ${system.userId} #${system.id}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`closed #${system.id}`);
    },
  });
  return { owner, log };
}

describe('system owner', () => {
  it('two concurrent callers get the same system (one database per file)', async () => {
    const { owner, log } = recorder();
    const [a, b] = await Promise.all([owner.systemFor('u1'), owner.systemFor('u1')]);
    expect(a).toBe(b);
    expect(log).toEqual(['open u1 #1']);
    expect(owner.current()).toBe(a);
  });

  it('another user: the previous system is closed before the next one opens', async () => {
    const { owner, log } = recorder();
    await owner.systemFor('u1');
    const [x, y] = await Promise.all([owner.systemFor('u2'), owner.systemFor('u2')]);
    expect(x).toBe(y);
    expect(log).toEqual(['open u1 #1', 'close u1 #1', 'closed #1', 'open u2 #2']);
  });

  it('sign-out then sign-in again as the same user: the new open waits for the close', async () => {
    const { owner, log } = recorder();
    await owner.systemFor('u1');
    const closing = owner.close();
    const reopened = owner.systemFor('u1');
    await closing;
    expect((await reopened).id).toBe(2);
    expect(log).toEqual(['open u1 #1', 'close u1 #1', 'closed #1', 'open u1 #2']);
  });

  it('a close while still opening closes what was opened', async () => {
    const { owner, log } = recorder();
    void owner.systemFor('u1');
    await owner.close();
    expect(owner.current()).toBeNull();
    expect(log).toEqual(['open u1 #1', 'close u1 #1', 'closed #1']);
  });

  it('a failed open is forgotten: the next caller tries again', async () => {
    let fail = true;
    const owner = createSystemOwner<string>({
      async open(userId) {
        if (fail) throw new Error('disk I/O error');
        return userId;
      },
      async close() {},
    });
    await expect(owner.systemFor('u1')).rejects.toThrow('disk I/O error');
    fail = false;
    await expect(owner.systemFor('u1')).resolves.toBe('u1');
  });
});

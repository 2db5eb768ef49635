// Hermes may lack AbortSignal.any, AbortSignal.timeout and AbortSignal.prototype.throwIfAborted.
// The abort tests delete them before they load the module under test, and put them back after.
import { expect } from 'vitest';

/** Deletes the three globals; returns the function that restores them. */
export function withoutModernAbortApis(): () => void {
  const saved = {
    any: Object.getOwnPropertyDescriptor(AbortSignal, 'any'),
    timeout: Object.getOwnPropertyDescriptor(AbortSignal, 'timeout'),
    throwIfAborted: Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'throwIfAborted'),
  };
  Reflect.deleteProperty(AbortSignal, 'any');
  Reflect.deleteProperty(AbortSignal, 'timeout');
  Reflect.deleteProperty(AbortSignal.prototype, 'throwIfAborted');
  expect('any' in AbortSignal).toBe(false);
  expect('timeout' in AbortSignal).toBe(false);
  expect('throwIfAborted' in new AbortController().signal).toBe(false);
  return () => {
    if (saved.any) Object.defineProperty(AbortSignal, 'any', saved.any);
    if (saved.timeout) Object.defineProperty(AbortSignal, 'timeout', saved.timeout);
    if (saved.throwIfAborted)
      Object.defineProperty(AbortSignal.prototype, 'throwIfAborted', saved.throwIfAborted);
  };
}

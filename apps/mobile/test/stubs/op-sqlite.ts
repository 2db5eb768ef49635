// Test stub: op-sqlite is a native SQLite binding with no build for Node. Tests never open a real
// database through it; anything that tries fails loudly.
export function open(): never {
  throw new Error('op-sqlite is native: not available under jest (test stub)');
}

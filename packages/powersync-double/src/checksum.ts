// Op checksums as the PowerSync client checks them: each op carries an opaque u32, and a bucket's
// checksum is the wrapping 32-bit sum of all its ops' checksums.
import { createHash } from 'node:crypto';

/** A deterministic u32 for one op (the real service hashes the op too; the value itself is opaque). */
export function opChecksum(parts: ReadonlyArray<string | number | null>): number {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest();
  return digest.readUInt32BE(0);
}

/** Wrapping 32-bit addition. */
export function addChecksums(a: number, b: number): number {
  return (a + b) >>> 0;
}

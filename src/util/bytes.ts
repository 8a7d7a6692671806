/**
 * `length` bytes of memory of their own (never Node's shared Buffer pool), not zero-filled, as a plain
 * Uint8Array so that no Buffer semantics reach callers. Only for a caller that writes every byte before
 * anyone reads it: the memory may hold what a freed buffer held.
 */
export function uninitialisedBytes(length: number): Uint8Array {
  const slow = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(slow.buffer, slow.byteOffset, length);
}

/** Whether this machine stores the low byte of a multi-byte number first (byte order of typed arrays). */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

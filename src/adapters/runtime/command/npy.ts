/**
 * NumPy .npy (format version 1.0) writing for float32 arrays, so a program can `numpy.load` the frames
 * with no other library. Layout: magic, version, little-endian header length, a Python dict literal
 * padded with spaces to a 64-byte boundary and ending in a newline, then the raw C-order data.
 */
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00]);

/** The .npy header for a C-order float32 array of `shape`, in this machine's byte order. */
export function npyHeader(shape: readonly number[]): Buffer {
  const descr = endianness() === 'LE' ? '<f4' : '>f4';
  // A 1-tuple needs its trailing comma in Python: (5,).
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const unpadded = MAGIC.length + 2 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const text = dict + ' '.repeat(total - unpadded) + '\n';
  const len = Buffer.alloc(2);
  len.writeUInt16LE(text.length);
  return Buffer.concat([MAGIC, len, Buffer.from(text, 'latin1')]);
}

/** Writes `data` as a float32 .npy of `shape` (the product of shape must equal data.length). */
export async function writeNpy(path: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`npy shape [${shape.join(', ')}] holds ${count} values, not ${data.length}`);
  const file = await open(path, 'wx', 0o600);
  try {
    // writeFile (unlike write) loops until every byte is written; the second call continues after the first.
    await file.writeFile(npyHeader(shape));
    await file.writeFile(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } finally {
    await file.close();
  }
}

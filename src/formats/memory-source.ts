
import { checkRead, type FileSource } from './file-source.ts';

/**
 * A cine source over bytes already in memory (a worker's decrypted input): the same contract as the file
 * source, with no `path` (readers that need a local file, such as the video reader, cannot use it).
 */
export function openMemorySource(data: Uint8Array, name: string): FileSource {
  // A plain Uint8Array view: on a Buffer, slice() would share memory instead of copying.
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const size = bytes.length;
  return {
    name,
    size,
    async read(offset, length) {
      checkRead(name, offset, length);
      // slice copies: the caller owns what it gets (readers hand it on as a frame).
      return bytes.slice(Math.min(offset, size), Math.min(size, offset + length));
    },
    async readInto(offset, target) {
      checkRead(name, offset, target.length);
      const part = bytes.subarray(Math.min(offset, size), Math.min(size, offset + target.length));
      target.set(part);
      return part.length;
    },
    async close() {},
  };
}

/** Minimal NumPy .npy (format 1.0) writing, streamed: header first, then rows at known offsets. */
import { closeSync, openSync, writeSync } from 'node:fs';

export type NpyDtype = '<f4' | '|u1' | '<i4';

const BYTES: Record<NpyDtype, number> = { '<f4': 4, '|u1': 1, '<i4': 4 };

export interface NpyFile {
  /** Writes `data` starting at element `elementOffset` (C order). */
  write(elementOffset: number, data: Float32Array | Uint8Array | Int32Array): void;
  close(): void;
}

export function createNpy(path: string, dtype: NpyDtype, shape: number[]): NpyFile {
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // magic (6) + version (2) + header length (2) + dict + padding + '\n' is a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  const padded = Math.ceil(unpadded / 64) * 64;
  const header = Buffer.alloc(padded, 0x20);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(padded - 10, 8);
  header.write(dict, 10, 'latin1');
  header[padded - 1] = 0x0a;
  const fd = openSync(path, 'w');
  writeSync(fd, header, 0, padded, 0);
  const size = BYTES[dtype];
  return {
    write(elementOffset, data) {
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      writeSync(fd, bytes, 0, bytes.length, padded + elementOffset * size);
    },
    close() {
      closeSync(fd);
    },
  };
}

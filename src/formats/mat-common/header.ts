import { EchoError } from '../../errors/catalogue.ts';

/**
 * The 128-byte header that starts every MAT-file Level 5 and every v7.3 file (whose 512-byte HDF5 user
 * block holds it). Shared by the mat-v5 and mat-v73 readers.
 */
export interface MatHeader {
  /** Descriptive text, e.g. `MATLAB 5.0 MAT-file, Platform: ...` (trailing spaces removed). */
  text: string;
  /** 0x0100 for Level 5 (v6/v7), 0x0200 for v7.3 (HDF5). */
  version: number;
  littleEndian: boolean;
}

export const HEADER_BYTES = 128;
export const VERSION_5 = 0x0100;
export const VERSION_73 = 0x0200;

const ASCII_MATLAB = [0x4d, 0x41, 0x54, 0x4c, 0x41, 0x42, 0x20]; // "MATLAB "

function endianOf(head: Uint8Array): boolean | null {
  // The indicator is the 16-bit value ('M' << 8 | 'I') written in the writer's byte order.
  if (head[126] === 0x49 && head[127] === 0x4d) return true;
  if (head[126] === 0x4d && head[127] === 0x49) return false;
  return null;
}

function versionOf(head: Uint8Array, littleEndian: boolean): number {
  return littleEndian ? head[124]! | (head[125]! << 8) : (head[124]! << 8) | head[125]!;
}

function startsWithMatlab(head: Uint8Array): boolean {
  return head.length >= ASCII_MATLAB.length && ASCII_MATLAB.every((b, i) => head[i] === b);
}

/**
 * Content test: a full header with a valid endian indicator and version (and, as MathWorks specifies,
 * no zero in the first four bytes, which is how Level 4 files are told apart), or a file that at least
 * starts with the text `MATLAB ` (a truncated MAT file, which `open` then reports as damaged).
 */
export function looksLikeMat(head: Uint8Array): boolean {
  if (head.length >= HEADER_BYTES) {
    const littleEndian = endianOf(head);
    if (littleEndian !== null && head[0] !== 0 && head[1] !== 0 && head[2] !== 0 && head[3] !== 0) {
      const version = versionOf(head, littleEndian);
      if (version === VERSION_5 || version === VERSION_73) return true;
    }
  }
  return startsWithMatlab(head);
}

/** Content test for v7.3: a full, valid header whose version is 0x0200 (the HDF5 part is checked by `open`). */
export function looksLikeMat73(head: Uint8Array): boolean {
  if (head.length < HEADER_BYTES || head[0] === 0 || head[1] === 0 || head[2] === 0 || head[3] === 0) return false;
  const littleEndian = endianOf(head);
  return littleEndian !== null && versionOf(head, littleEndian) === VERSION_73;
}

export function parseHeader(head: Uint8Array, file: string): MatHeader {
  if (head.length < HEADER_BYTES) {
    throw new EchoError(
      'CINE_CORRUPT',
      `MAT file "${file}" is damaged or truncated: it has ${head.length} bytes, less than the 128-byte MAT header`,
      { details: { file } },
    );
  }
  const littleEndian = endianOf(head);
  if (littleEndian === null) {
    throw new EchoError(
      'CINE_CORRUPT',
      `MAT file "${file}" is damaged or truncated: bytes 126-127 of the header are not the endian indicator "IM" or "MI"`,
      { details: { file } },
    );
  }
  const version = versionOf(head, littleEndian);
  if (version !== VERSION_5 && version !== VERSION_73) {
    throw new EchoError(
      'CINE_UNSUPPORTED',
      `MAT file "${file}" has header version 0x${version.toString(16).padStart(4, '0')}; supported: 0x0100 (MAT v6/v7) and 0x0200 (MAT v7.3)`,
      { details: { file } },
    );
  }
  const text = new TextDecoder('latin1').decode(head.subarray(0, 116)).replace(/[\s\0]+$/, '');
  return { text, version, littleEndian };
}

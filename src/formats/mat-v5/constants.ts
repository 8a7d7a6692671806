/**
 * Numbers from the MAT-file Level 5 format (MathWorks, "MAT-File Format", R2024): data element types
 * (`mi*`, what the bytes are) and array classes (`mx*`, what MATLAB calls the variable).
 */

export const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

/** Bytes per value of each numeric data element type. */
export const MI_SIZE: Readonly<Record<number, number>> = {
  [MI.INT8]: 1,
  [MI.UINT8]: 1,
  [MI.INT16]: 2,
  [MI.UINT16]: 2,
  [MI.INT32]: 4,
  [MI.UINT32]: 4,
  [MI.SINGLE]: 4,
  [MI.DOUBLE]: 8,
  [MI.INT64]: 8,
  [MI.UINT64]: 8,
};

const MI_NAMES: Readonly<Record<number, string>> = {
  1: 'miINT8',
  2: 'miUINT8',
  3: 'miINT16',
  4: 'miUINT16',
  5: 'miINT32',
  6: 'miUINT32',
  7: 'miSINGLE',
  9: 'miDOUBLE',
  12: 'miINT64',
  13: 'miUINT64',
  14: 'miMATRIX',
  15: 'miCOMPRESSED',
  16: 'miUTF8',
  17: 'miUTF16',
  18: 'miUTF32',
};

export function miName(type: number): string {
  return MI_NAMES[type] ?? `type ${type}`;
}

// The array classes (`mx*`) are shared with the v7.3 reader.
export { CLASS_NAMES, isNumericClass, MX } from '../mat-common/classes.ts';

/** Array flags (first sub-element of every miMATRIX): bits above the class byte. */
export const FLAG_COMPLEX = 0x0800;
export const FLAG_LOGICAL = 0x0200;

/** Limits that bound the work a crafted file can cause, whatever the byte cap. */
export const MAX_DEPTH = 64;
export const MAX_ARRAYS = 1_000_000;
export const MAX_DIMS = 32;

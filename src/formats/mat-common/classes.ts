/**
 * MATLAB array classes (`mx*` numbers of the MAT-file Level 5 format, MathWorks "MAT-File Format"),
 * shared by both MAT readers: v7.3 files name the class in a `MATLAB_class` attribute, which is mapped to
 * the same numbers so that the cine-location and value-mapping rules are written once.
 */
export const MX = {
  CELL: 1,
  STRUCT: 2,
  OBJECT: 3,
  CHAR: 4,
  SPARSE: 5,
  DOUBLE: 6,
  SINGLE: 7,
  INT8: 8,
  UINT8: 9,
  INT16: 10,
  UINT16: 11,
  INT32: 12,
  UINT32: 13,
  INT64: 14,
  UINT64: 15,
  FUNCTION: 16,
  OPAQUE: 17,
} as const;

/** MATLAB's name of each array class (`class(x)`). */
export const CLASS_NAMES: Readonly<Record<number, string>> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
  16: 'function_handle',
  17: 'opaque',
};

export function isNumericClass(classId: number): boolean {
  return classId >= MX.DOUBLE && classId <= MX.UINT64;
}

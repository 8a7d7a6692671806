import type { Bytes } from './bytes.ts';
import { readExact } from './bytes.ts';
import { isNumericClass, MAX_ARRAYS, MAX_DEPTH, MI, MI_SIZE, MX, miName } from './constants.ts';
import { corrupt, type MatContext, tooLarge, unsupported } from './context.ts';
import { readMatrixHeader } from './matrix-header.ts';
import type { CellNode, CharNode, MatNode, NumericNode, StructNode } from './nodes.ts';
import { dimsText, elementCount } from './nodes.ts';
import { isNumericType } from './numeric.ts';
import { asciiName } from './matrix-header.ts';
import { readTag, u32 } from './tags.ts';

const CHAR_TYPES: ReadonlySet<number> = new Set([MI.INT8, MI.UINT8, MI.UTF8, MI.UINT16, MI.UTF16, MI.UTF32]);

/**
 * Parses the miMATRIX whose data is `[start, start + size)` into a tree. Numeric and char data are not
 * read, only located (see DataRef); struct fields and cells are parsed recursively.
 * `where` names the array for messages (`Patient.DicomImage`, `Extras{3}`).
 */
export async function parseMatrix(
  bytes: Bytes,
  start: number,
  size: number,
  ctx: MatContext,
  where: string,
  depth = 0,
): Promise<MatNode> {
  if (size === 0) return { kind: 'empty', name: '', dims: [0, 0], className: 'double' };
  if (depth > MAX_DEPTH) throw unsupported(ctx, `${where} is nested more than ${MAX_DEPTH} levels deep`);
  ctx.arrays += 1;
  if (ctx.arrays > MAX_ARRAYS) throw unsupported(ctx, `the file holds more than ${MAX_ARRAYS} MATLAB arrays`);

  const end = start + size;
  const header = await readMatrixHeader(bytes, start, end, ctx, where);
  const base = { name: header.name, dims: header.dims, className: header.className };
  const pos = header.bodyOffset;

  if (isNumericClass(header.classId)) {
    const node: NumericNode = {
      kind: 'numeric',
      ...base,
      classId: header.classId,
      logical: header.logical,
      complex: header.complex,
      data: await readNumericData(bytes, pos, end, header.dims, header.complex, ctx, where),
    };
    return node;
  }
  switch (header.classId) {
    case MX.CHAR: {
      const tag = await readTag(bytes, pos, end, ctx, `the characters of ${where}`);
      if (!CHAR_TYPES.has(tag.type)) throw corrupt(ctx, `${where}: char data stored as ${miName(tag.type)}`);
      const node: CharNode = {
        kind: 'char',
        ...base,
        data: { bytes, offset: tag.dataOffset, length: tag.size, type: tag.type },
      };
      return node;
    }
    case MX.STRUCT:
      return parseStruct(bytes, pos, end, base, ctx, where, depth);
    case MX.CELL:
      return parseCell(bytes, pos, end, base, ctx, where, depth);
    default:
      // Sparse, object, function handle, opaque: their bytes are skipped as a whole (the parent knows
      // the element size); a cine is never one of them.
      return { kind: 'skipped', ...base };
  }
}

async function readNumericData(
  bytes: Bytes,
  pos: number,
  end: number,
  dims: number[],
  complex: boolean,
  ctx: MatContext,
  where: string,
) {
  const real = await readTag(bytes, pos, end, ctx, `the values of ${where}`);
  if (!isNumericType(real.type)) throw corrupt(ctx, `${where}: numeric data stored as ${miName(real.type)}`);
  const count = elementCount(dims);
  const expected = count * MI_SIZE[real.type]!;
  if (expected !== real.size) {
    // Dimensions that cannot be satisfied by any real file are reported against the cap (the contract
    // for absurd headers); otherwise the data was cut or damaged.
    if (count > ctx.cap) throw tooLarge(ctx, `${where} (declared ${dimsText(dims)})`, count);
    throw corrupt(
      ctx,
      `${where}: ${dimsText(dims)} values of ${miName(real.type)} need ${expected} bytes but the element holds ${real.size}`,
    );
  }
  if (complex) {
    const imag = await readTag(bytes, real.next, end, ctx, `the imaginary part of ${where}`);
    if (!isNumericType(imag.type) || imag.size !== count * MI_SIZE[imag.type]!) {
      throw corrupt(ctx, `${where}: the imaginary part does not match the dimensions ${dimsText(dims)}`);
    }
  }
  return { bytes, offset: real.dataOffset, length: real.size, type: real.type };
}

async function parseStruct(
  bytes: Bytes,
  start: number,
  end: number,
  base: { name: string; dims: number[]; className: string },
  ctx: MatContext,
  where: string,
  depth: number,
): Promise<StructNode> {
  const lenTag = await readTag(bytes, start, end, ctx, `the field name length of ${where}`);
  if (lenTag.type !== MI.INT32 || lenTag.size !== 4) {
    throw corrupt(ctx, `${where}: the field name length must be one miINT32, found ${miName(lenTag.type)}`);
  }
  const nameLength = u32(await readExact(bytes, lenTag.dataOffset, 4, end, ctx, where, false), 0, ctx.littleEndian);
  const namesTag = await readTag(bytes, lenTag.next, end, ctx, `the field names of ${where}`);
  if (namesTag.type !== MI.INT8 && namesTag.type !== MI.UINT8) {
    throw corrupt(ctx, `${where}: field names must be miINT8, found ${miName(namesTag.type)}`);
  }
  if (nameLength === 0 ? namesTag.size !== 0 : namesTag.size % nameLength !== 0) {
    throw corrupt(ctx, `${where}: ${namesTag.size} bytes of field names is not a multiple of ${nameLength}`);
  }
  const fieldCount = nameLength === 0 ? 0 : namesTag.size / nameLength;
  const raw = await readExact(bytes, namesTag.dataOffset, namesTag.size, end, ctx, `the field names of ${where}`);
  const fieldNames: string[] = [];
  for (let i = 0; i < fieldCount; i++) {
    fieldNames.push(asciiName(raw.subarray(i * nameLength, (i + 1) * nameLength)));
  }

  const count = elementCount(base.dims);
  let pos = namesTag.next;
  // Every field of every element is at least an 8-byte tag: check before looping over the count.
  if (count * fieldCount * 8 > end - pos) {
    throw corrupt(ctx, `${where}: a ${dimsText(base.dims)} struct with ${fieldCount} fields cannot fit in ${end - pos} bytes`);
  }
  const elements: Map<string, MatNode>[] = [];
  for (let i = 0; i < count; i++) {
    const fields = new Map<string, MatNode>();
    for (const field of fieldNames) {
      const path = count === 1 ? `${where}.${field}` : `${where}(${i + 1}).${field}`;
      const tag = await readTag(bytes, pos, end, ctx, path);
      if (tag.type !== MI.MATRIX) throw corrupt(ctx, `${path}: expected miMATRIX, found ${miName(tag.type)}`);
      fields.set(field, await parseMatrix(bytes, tag.dataOffset, tag.size, ctx, path, depth + 1));
      pos = tag.next;
    }
    elements.push(fields);
  }
  return { kind: 'struct', ...base, fieldNames, elements };
}

async function parseCell(
  bytes: Bytes,
  start: number,
  end: number,
  base: { name: string; dims: number[]; className: string },
  ctx: MatContext,
  where: string,
  depth: number,
): Promise<CellNode> {
  const count = elementCount(base.dims);
  if (count * 8 > end - start) {
    throw corrupt(ctx, `${where}: a ${dimsText(base.dims)} cell array cannot fit in ${end - start} bytes`);
  }
  const elements: MatNode[] = [];
  let pos = start;
  for (let i = 0; i < count; i++) {
    const path = `${where}{${i + 1}}`;
    const tag = await readTag(bytes, pos, end, ctx, path);
    if (tag.type !== MI.MATRIX) throw corrupt(ctx, `${path}: expected miMATRIX, found ${miName(tag.type)}`);
    elements.push(await parseMatrix(bytes, tag.dataOffset, tag.size, ctx, path, depth + 1));
    pos = tag.next;
  }
  return { kind: 'cell', ...base, elements };
}

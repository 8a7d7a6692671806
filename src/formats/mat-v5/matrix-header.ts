import { type Bytes, readExact } from './bytes.ts';
import { CLASS_NAMES, FLAG_COMPLEX, FLAG_LOGICAL, MAX_DIMS, MI, MX, miName } from './constants.ts';
import { corrupt, type MatContext } from './context.ts';
import { readTag, u32 } from './tags.ts';

/** The sub-elements every miMATRIX starts with: array flags, dimensions, name. */
export interface MatrixHeader {
  classId: number;
  className: string;
  complex: boolean;
  logical: boolean;
  dims: number[];
  name: string;
  /** Where the class-specific sub-elements start. */
  bodyOffset: number;
}

/** Reads the array flags, dimensions and name of the miMATRIX whose data is `[start, end)`. */
export async function readMatrixHeader(
  bytes: Bytes,
  start: number,
  end: number,
  ctx: MatContext,
  where: string,
): Promise<MatrixHeader> {
  const flagsTag = await readTag(bytes, start, end, ctx, `the array flags of ${where}`);
  if (flagsTag.type !== MI.UINT32 || flagsTag.size < 8) {
    throw corrupt(ctx, `${where}: array flags must be 8 bytes of miUINT32, found ${flagsTag.size} bytes of ${miName(flagsTag.type)}`);
  }
  const flagBytes = await readExact(bytes, flagsTag.dataOffset, 4, end, ctx, `the array flags of ${where}`, false);
  const flags = u32(flagBytes, 0, ctx.littleEndian);
  const classId = flags & 0xff;
  const className = CLASS_NAMES[classId];
  if (className === undefined) throw corrupt(ctx, `${where}: unknown array class ${classId}`);
  const complex = (flags & FLAG_COMPLEX) !== 0;
  const logical = (flags & FLAG_LOGICAL) !== 0;

  if (classId === MX.OPAQUE) {
    // Opaque values (MATLAB objects such as string or datetime) have no dimensions sub-element.
    const nameTag = await readTag(bytes, flagsTag.next, end, ctx, `the name of ${where}`);
    const name = nameTag.type === MI.INT8 ? await readName(bytes, nameTag.dataOffset, nameTag.size, end, ctx, where) : '';
    return { classId, className, complex, logical, dims: [0, 0], name, bodyOffset: nameTag.next };
  }

  const dimsTag = await readTag(bytes, flagsTag.next, end, ctx, `the dimensions of ${where}`);
  if (dimsTag.type !== MI.INT32 || dimsTag.size % 4 !== 0 || dimsTag.size < 8 || dimsTag.size > MAX_DIMS * 4) {
    throw corrupt(
      ctx,
      `${where}: dimensions must be 2 to ${MAX_DIMS} miINT32 values, found ${dimsTag.size} bytes of ${miName(dimsTag.type)}`,
    );
  }
  const dimBytes = await readExact(bytes, dimsTag.dataOffset, dimsTag.size, end, ctx, `the dimensions of ${where}`, false);
  const view = new DataView(dimBytes.buffer, dimBytes.byteOffset, dimBytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < dimsTag.size; i += 4) {
    const d = view.getInt32(i, ctx.littleEndian);
    if (d < 0) throw corrupt(ctx, `${where}: dimension ${i / 4 + 1} is negative (${d})`);
    dims.push(d);
  }

  const nameTag = await readTag(bytes, dimsTag.next, end, ctx, `the name of ${where}`);
  if (nameTag.type !== MI.INT8 && nameTag.type !== MI.UINT8) {
    throw corrupt(ctx, `${where}: the array name must be miINT8, found ${miName(nameTag.type)}`);
  }
  const name = await readName(bytes, nameTag.dataOffset, nameTag.size, end, ctx, where);
  return { classId, className, complex, logical, dims, name, bodyOffset: nameTag.next };
}

const MAX_NAME = 4096;

async function readName(
  bytes: Bytes,
  offset: number,
  size: number,
  end: number,
  ctx: MatContext,
  where: string,
): Promise<string> {
  if (size > MAX_NAME) throw corrupt(ctx, `${where}: the array name is ${size} bytes long (max ${MAX_NAME})`);
  const raw = await readExact(bytes, offset, size, end, ctx, `the name of ${where}`, false);
  return asciiName(raw);
}

/** Names are ASCII, possibly NUL-padded; anything else is replaced so messages stay one printable line. */
export function asciiName(raw: Uint8Array): string {
  let text = '';
  for (const b of raw) {
    if (b === 0) break;
    text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?';
  }
  return text;
}

import { type Bytes, memoryBytes, readExact } from './bytes.ts';
import { MI, miName } from './constants.ts';
import { corrupt, type MatContext } from './context.ts';
import { HEADER_BYTES } from '../mat-common/header.ts';
import { inflateCapped, inflatePrefix, PREFIX_INPUT } from './inflate.ts';
import { type MatrixHeader, readMatrixHeader } from './matrix-header.ts';
import { parseMatrix } from './matrix.ts';
import type { MatNode } from './nodes.ts';
import { readTag } from './tags.ts';

/** One top-level variable: its header is known; its contents are parsed only when `load` is called. */
export interface TopLevelVariable extends MatrixHeader {
  compressed: boolean;
  /** Byte offset of the variable's element in the file. */
  offset: number;
  /** Parses the whole variable (inflating it first when compressed). Not cached: callers keep what they need. */
  load(): Promise<MatNode>;
}

/**
 * Walks the top-level elements after the header. Uncompressed variables are read through `file` in
 * place; a compressed one is inflated only as far as its name for the index, and whole on `load`.
 */
export async function indexVariables(file: Bytes, ctx: MatContext): Promise<TopLevelVariable[]> {
  const vars: TopLevelVariable[] = [];
  let pos = HEADER_BYTES;
  while (pos < file.size) {
    if (file.size - pos < 8) throw corrupt(ctx, `the file ends inside an element tag at byte ${pos}`);
    const tag = await readTag(file, pos, file.size, ctx, 'a top-level variable', false);
    if (tag.type === 0 && tag.size === 0) {
      pos += 8; // zero padding between elements (written by some tools): nothing to read
      continue;
    }
    if (tag.type === MI.COMPRESSED) {
      vars.push(await indexCompressed(file, pos, tag.dataOffset, tag.size, ctx));
    } else if (tag.type === MI.MATRIX) {
      vars.push(await indexMatrix(file, pos, tag.dataOffset, tag.size, ctx));
    } else {
      throw corrupt(ctx, `the element at byte ${pos} is ${miName(tag.type)}; only miMATRIX and miCOMPRESSED may appear at the top level`);
    }
    pos = tag.next;
  }
  return vars;
}

async function indexMatrix(
  file: Bytes,
  offset: number,
  dataOffset: number,
  size: number,
  ctx: MatContext,
): Promise<TopLevelVariable> {
  const where = `the variable at byte ${offset}`;
  if (size === 0) throw corrupt(ctx, `${where} is an empty miMATRIX`);
  const header = await readMatrixHeader(file, dataOffset, dataOffset + size, ctx, where);
  const name = header.name || where;
  return {
    ...header,
    compressed: false,
    offset,
    load: () => parseMatrix(file, dataOffset, size, ctx, name),
  };
}

async function indexCompressed(
  file: Bytes,
  offset: number,
  dataOffset: number,
  size: number,
  ctx: MatContext,
): Promise<TopLevelVariable> {
  const where = `the compressed variable at byte ${offset}`;
  // Compressed bytes larger than the cap cannot inflate to less than the cap (deflate adds only a few
  // bytes per 64 KiB), so such a variable is refused before reading it.
  const inflateAll = async (label: string, expectedBytes?: number): Promise<{ bytes: Bytes; size: number }> => {
    const packed = await readExact(file, dataOffset, size, file.size, ctx, label);
    const data = await inflateCapped(packed, ctx, label, expectedBytes);
    return innerMatrix(memoryBytes(data), ctx, label);
  };

  const packedStart = await readExact(file, dataOffset, Math.min(size, PREFIX_INPUT), file.size, ctx, where);
  const prefix = memoryBytes(inflatePrefix(packedStart, ctx, where));
  let header: MatrixHeader;
  // The inflated size the inner tag declares (a hint for the output buffer), when the prefix showed it.
  let declared: number | undefined;
  try {
    const inner = await innerMatrix(prefix, ctx, where, true);
    declared = 8 + inner.size;
    header = await readMatrixHeader(prefix, 8, Math.min(8 + inner.size, prefix.size), ctx, where);
  } catch (err) {
    if (size <= PREFIX_INPUT) throw err;
    // The prefix was too short for the header (or the data is damaged): inflate it all to know which.
    const whole = await inflateAll(where);
    header = await readMatrixHeader(whole.bytes, 8, 8 + whole.size, ctx, where);
  }
  const name = header.name || where;
  return {
    ...header,
    compressed: true,
    offset,
    load: async () => {
      const inner = await inflateAll(name, declared);
      return parseMatrix(inner.bytes, 8, inner.size, ctx, name);
    },
  };
}

/** A compressed element holds exactly one miMATRIX element; returns its data size. */
async function innerMatrix(
  bytes: Bytes,
  ctx: MatContext,
  where: string,
  partial = false,
): Promise<{ bytes: Bytes; size: number }> {
  if (bytes.size < 8) throw corrupt(ctx, `${where}: the decompressed data has ${bytes.size} bytes, less than a tag`);
  const raw = await bytes.read(0, 8);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const type = view.getUint32(0, ctx.littleEndian);
  const size = view.getUint32(4, ctx.littleEndian);
  if (type !== MI.MATRIX) throw corrupt(ctx, `${where}: the decompressed data starts with ${miName(type)}, not miMATRIX`);
  if (!partial && size > bytes.size - 8) {
    throw corrupt(ctx, `${where}: the decompressed miMATRIX declares ${size} bytes but only ${bytes.size - 8} were inflated`);
  }
  return { bytes, size };
}

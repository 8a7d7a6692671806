import { type Bytes, readExact } from './bytes.ts';
import { miName } from './constants.ts';
import { corrupt, type MatContext } from './context.ts';

/** One data element tag: what the bytes are, how many, and where the next element starts. */
export interface Tag {
  type: number;
  size: number;
  /** Where the element's data starts. */
  dataOffset: number;
  /** Where the next element starts (after padding to 8 bytes, where the format pads). */
  next: number;
  /** Small data element format: type, size and up to 4 bytes of data packed into 8 bytes. */
  small: boolean;
}

export function u32(data: Uint8Array, at: number, littleEndian: boolean): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(at, littleEndian);
}

/**
 * Reads the tag at `offset`, which must lie inside `[offset, end)` with all of its declared data.
 * `pad`: sub-elements of an array are padded to 8-byte boundaries; top-level elements are not (scipy and
 * MATLAB write miCOMPRESSED elements unpadded).
 */
export async function readTag(
  bytes: Bytes,
  offset: number,
  end: number,
  ctx: MatContext,
  where: string,
  pad = true,
): Promise<Tag> {
  const raw = await readExact(bytes, offset, 8, end, ctx, `the element tag of ${where}`, false);
  const first = u32(raw, 0, ctx.littleEndian);
  if (first >>> 16 !== 0) {
    // Small data element: the upper 16 bits hold the byte count (at most 4), the lower the type.
    const size = first >>> 16;
    if (size > 4) throw corrupt(ctx, `${where}: small data element at byte ${offset} declares ${size} bytes (max 4)`);
    return { type: first & 0xffff, size, dataOffset: offset + 4, next: offset + 8, small: true };
  }
  const size = u32(raw, 4, ctx.littleEndian);
  const dataOffset = offset + 8;
  const room = end - dataOffset;
  if (size > room) {
    throw corrupt(
      ctx,
      `${where}: ${miName(first)} element at byte ${offset} declares ${size} bytes but only ${room} remain`,
    );
  }
  const padded = pad ? size + ((8 - (size % 8)) % 8) : size;
  // A writer may leave out the padding after the last element of a container: tolerate it.
  return { type: first, size, dataOffset, next: Math.min(dataOffset + padded, end), small: false };
}

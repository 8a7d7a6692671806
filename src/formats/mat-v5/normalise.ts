import { chooseMapping as chooseRule, columnMajorToFrame, emptyRange, extendRange, finishRange, type FiniteRange, type Mapping } from '../mat-common/mapping.ts';
import type { Layout } from '../mat-common/layout.ts';
import { type Bytes, readExact } from './bytes.ts';
import { MI, MI_SIZE } from './constants.ts';
import type { MatContext } from './context.ts';
import type { NumericNode } from './nodes.ts';
import { decodeSamples } from './numeric.ts';

// The value-mapping rules are shared with the v7.3 reader (src/formats/mat-common/mapping.ts, documented
// in docs/formats.md); this file reads the values out of the Level 5 file.
export type { Mapping } from '../mat-common/mapping.ts';

/** Reads whole arrays in pieces of this many bytes when scanning for the value range. */
const SCAN_CHUNK = 1 << 20;

/** Minimum and maximum of the finite values (0, 0 when there are none), read in pieces. */
async function finiteRange(node: NumericNode, ctx: MatContext): Promise<FiniteRange> {
  const { bytes, offset, length, type } = node.data;
  const size = MI_SIZE[type]!;
  const piece = Math.min(SCAN_CHUNK, ctx.cap);
  const step = Math.max(size, piece - (piece % size));
  const range = emptyRange();
  for (let at = 0; at < length; at += step) {
    const raw = await readExact(bytes, offset + at, Math.min(step, length - at), offset + length, ctx, 'the cine values');
    extendRange(range, decodeSamples(raw, type, ctx.littleEndian));
  }
  return finishRange(range);
}

export function chooseMapping(node: NumericNode, ctx: MatContext): Promise<Mapping> {
  return chooseRule(node.classId, node.logical, () => finiteRange(node, ctx));
}

/** Reads frame `index` and returns it row-major H×W×C, mapped. */
export async function readFrame(
  data: { bytes: Bytes; offset: number; length: number; type: number },
  layout: Layout,
  mapping: Mapping,
  index: number,
  ctx: MatContext,
): Promise<Uint8Array | Uint16Array> {
  const perFrame = layout.height * layout.width * layout.channels;
  const size = MI_SIZE[data.type]!;
  const start = data.offset + index * perFrame * size;
  const raw = await readExact(data.bytes, start, perFrame * size, data.offset + data.length, ctx, `frame ${index}`);
  // uint8 samples need no decoding: read them in place (the frame is copied out just below).
  const values = data.type === MI.UINT8 ? raw : decodeSamples(raw, data.type, ctx.littleEndian);
  ctx.onAllocate?.(perFrame * (mapping.bits / 8), `frame ${index}`);
  return columnMajorToFrame(values, layout, mapping);
}

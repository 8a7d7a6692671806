import { chooseMapping as chooseRule, columnMajorToFrame, emptyRange, extendRange, finishRange, type FiniteRange, type Mapping } from '../mat-common/mapping.ts';
import type { Layout } from '../mat-common/layout.ts';
import { framesText, frameRuns, MAX_RUN_BYTES } from '../frame-runs.ts';
import { type Bytes, readExact, readExactInto } from './bytes.ts';
import { MI, MI_SIZE } from './constants.ts';
import type { MatContext } from './context.ts';
import type { NumericNode } from './nodes.ts';
import { decodeSamples } from './numeric.ts';
import { uninitialisedBytes } from '../../util/bytes.ts';

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

/** A frame's stored values, as bytes in the file's order (a view: copy before keeping). */
export type RawFrames = (index: number) => Promise<Uint8Array>;

/** Runs read into one buffer that is refilled: a few MiB, so that it stays cheap to hold. */
const REFILLED_RUN_BYTES = 2 * 1024 * 1024;

/**
 * Where frames come from: an inflated element is read in place; a file is read in runs of neighbouring
 * frames while they are asked for in order (src/formats/frame-runs.ts), one frame at a time otherwise.
 * When the file can read into a given buffer, every run is read into the same one (grown to the largest
 * run), so reading a cine allocates about one run, not the whole array; the caller must then convert
 * each frame before asking for the next (the reader takes frames one at a time).
 */
export function rawFrames(data: { bytes: Bytes; offset: number; length: number; type: number }, layout: Layout, ctx: MatContext): RawFrames {
  const frameBytes = layout.height * layout.width * layout.channels * MI_SIZE[data.type]!;
  const end = data.offset + data.length;
  const { bytes } = data;
  if (bytes.inflated) {
    return (index) => readExact(bytes, data.offset + index * frameBytes, frameBytes, end, ctx, `frame ${index}`);
  }
  let buffer: Uint8Array | null = null;
  const reuse = (length: number): Uint8Array => {
    if (buffer === null || buffer.length < length) {
      buffer = uninitialisedBytes(length); // every byte is read into before it is used
    }
    return buffer.subarray(0, length);
  };
  const refill = (offset: number, length: number, first: number, count: number): Promise<Uint8Array> =>
    readExactInto(bytes, offset, length, reuse, end, ctx, framesText(first, count));
  const runs = bytes.readInto
    ? frameRuns(refill, data.offset, frameBytes, layout.frames, { maxRunBytes: Math.min(REFILLED_RUN_BYTES, ctx.cap) })
    : frameRuns((offset, length, first, count) => readExact(bytes, offset, length, end, ctx, framesText(first, count)), data.offset, frameBytes, layout.frames, {
        maxRunBytes: Math.min(MAX_RUN_BYTES, ctx.cap),
      });
  return (index) => runs.frame(index);
}

/** Frame `index` (its stored values `raw`) row-major H×W×C, mapped, in a buffer of its own. */
export function toFrame(raw: Uint8Array, type: number, layout: Layout, mapping: Mapping, index: number, ctx: MatContext): Uint8Array | Uint16Array {
  const perFrame = layout.height * layout.width * layout.channels;
  // uint8 samples need no decoding: read them in place (the frame is copied out just below).
  const values = type === MI.UINT8 ? raw : decodeSamples(raw, type, ctx.littleEndian);
  ctx.onAllocate?.(perFrame * (mapping.bits / 8), `frame ${index}`);
  return columnMajorToFrame(values, layout, mapping);
}

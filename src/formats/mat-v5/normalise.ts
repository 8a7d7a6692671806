import { type Bytes, readExact } from './bytes.ts';
import { MI_SIZE, MX } from './constants.ts';
import type { MatContext } from './context.ts';
import type { Layout } from './layout.ts';
import type { NumericNode } from './nodes.ts';
import { decodeSamples, type Samples } from './numeric.ts';

/**
 * How stored values become 8- or 16-bit samples (docs/formats.md). Round means round half up,
 * floor(x + 0.5), done in float64.
 * - logical: 0 -> 0, anything else -> 255 (8-bit).
 * - uint8: as is (8-bit); uint16: as is (16-bit). Values outside the class range (only possible when a
 *   writer stored a wider type) are clamped.
 * - double, single: over the finite values, all in [0, 1] -> round(v × 255); else all in [0, 255] ->
 *   round(v); else linear min-max to 0..255, round((v − min) × 255 / (max − min)), a constant array -> 0.
 *   NaN -> 0, −Inf -> 0, +Inf -> 255. Always 8-bit.
 * - int8, int16, int32, int64, uint32, uint64: all in [0, 255] -> as is (8-bit); else all in [0, 65535]
 *   -> as is (16-bit); else linear min-max to 0..255 (8-bit) as above.
 */
export interface Mapping {
  rule: 'identity' | 'logical' | 'unit-interval' | 'byte-range' | 'min-max';
  bits: 8 | 16;
  /** Finite minimum and maximum (min-max rule only). */
  lo: number;
  hi: number;
}

/** Reads whole arrays in pieces of this many bytes when scanning for the value range. */
const SCAN_CHUNK = 1 << 20;

/** Minimum and maximum of the finite values (0, 0 when there are none), read in pieces. */
async function finiteRange(node: NumericNode, ctx: MatContext): Promise<{ lo: number; hi: number }> {
  const { bytes, offset, length, type } = node.data;
  const size = MI_SIZE[type]!;
  const piece = Math.min(SCAN_CHUNK, ctx.cap);
  const step = Math.max(size, piece - (piece % size));
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let at = 0; at < length; at += step) {
    const raw = await readExact(bytes, offset + at, Math.min(step, length - at), offset + length, ctx, 'the cine values');
    const values = decodeSamples(raw, type, ctx.littleEndian);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo && v !== Number.NEGATIVE_INFINITY) lo = v; // NaN fails both comparisons
      if (v > hi && v !== Number.POSITIVE_INFINITY) hi = v;
    }
  }
  return lo > hi ? { lo: 0, hi: 0 } : { lo, hi };
}

export async function chooseMapping(node: NumericNode, ctx: MatContext): Promise<Mapping> {
  if (node.logical) return { rule: 'logical', bits: 8, lo: 0, hi: 1 };
  if (node.classId === MX.UINT8) return { rule: 'identity', bits: 8, lo: 0, hi: 255 };
  if (node.classId === MX.UINT16) return { rule: 'identity', bits: 16, lo: 0, hi: 65535 };
  if (node.classId === MX.DOUBLE || node.classId === MX.SINGLE) {
    const { lo, hi } = await finiteRange(node, ctx);
    if (lo >= 0 && hi <= 1) return { rule: 'unit-interval', bits: 8, lo, hi };
    if (lo >= 0 && hi <= 255) return { rule: 'byte-range', bits: 8, lo, hi };
    return { rule: 'min-max', bits: 8, lo, hi };
  }
  const { lo, hi } = await finiteRange(node, ctx);
  if (lo >= 0 && hi <= 255) return { rule: 'identity', bits: 8, lo, hi };
  if (lo >= 0 && hi <= 65535) return { rule: 'identity', bits: 16, lo, hi };
  return { rule: 'min-max', bits: 8, lo, hi };
}

function sampleFunction(mapping: Mapping): (v: number) => number {
  const { lo, hi } = mapping;
  const max = mapping.bits === 16 ? 65535 : 255;
  switch (mapping.rule) {
    case 'logical':
      return (v) => (v !== 0 ? 255 : 0);
    case 'identity':
      return (v) => (v > 0 ? Math.min(v, max) : 0); // NaN -> 0
    case 'unit-interval':
      return (v) => (Number.isFinite(v) ? Math.floor(v * 255 + 0.5) : nonFinite(v));
    case 'byte-range':
      return (v) => (Number.isFinite(v) ? Math.floor(v + 0.5) : nonFinite(v));
    case 'min-max': {
      if (!(hi > lo)) return nonFinite;
      const span = hi - lo;
      return (v) => (Number.isFinite(v) ? Math.floor(((v - lo) * 255) / span + 0.5) : nonFinite(v));
    }
  }
}

/** NaN and −Inf -> 0, +Inf -> 255 (and, for a constant min-max array, every finite value -> 0). */
function nonFinite(v: number): number {
  return v === Number.POSITIVE_INFINITY ? 255 : 0;
}

/** Reads frame `index` and returns it row-major H×W×C, mapped. */
export async function readFrame(
  data: { bytes: Bytes; offset: number; length: number; type: number },
  layout: Layout,
  mapping: Mapping,
  index: number,
  ctx: MatContext,
): Promise<Uint8Array | Uint16Array> {
  const { height: h, width: w, channels: c } = layout;
  const perFrame = h * w * c;
  const size = MI_SIZE[data.type]!;
  const start = data.offset + index * perFrame * size;
  const raw = await readExact(data.bytes, start, perFrame * size, data.offset + data.length, ctx, `frame ${index}`);
  const values: Samples = decodeSamples(raw, data.type, ctx.littleEndian);
  ctx.onAllocate?.(perFrame * (mapping.bits / 8), `frame ${index}`);
  const out = mapping.bits === 16 ? new Uint16Array(perFrame) : new Uint8Array(perFrame);
  const f = sampleFunction(mapping);
  const direct = mapping.rule === 'identity' && mapping.bits === 8 && values instanceof Uint8Array;
  // Column-major input (row index fastest) to row-major output with interleaved channels.
  let k = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let col = 0; col < w; col++) {
      let o = col * c + ch;
      for (let row = 0; row < h; row++, k++, o += w * c) out[o] = direct ? values[k]! : f(values[k]!);
    }
  }
  return out;
}

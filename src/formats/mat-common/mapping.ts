import { MX } from './classes.ts';
import type { Layout } from './layout.ts';
import { transposeBytes } from './transpose/index.ts';
import { uninitialisedBytes } from '../../util/bytes.ts';

/**
 * How stored values become 8- or 16-bit samples (docs/formats.md), for both MAT readers. Round means
 * round half up, floor(x + 0.5), done in float64.
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

/** Running minimum and maximum of the finite values seen so far. */
export interface FiniteRange {
  lo: number;
  hi: number;
}

export function emptyRange(): FiniteRange {
  return { lo: Number.POSITIVE_INFINITY, hi: Number.NEGATIVE_INFINITY };
}

/** Widens `range` with the finite values of `values` (NaN and ±Inf are left out). */
export function extendRange(range: FiniteRange, values: ArrayLike<number>): void {
  let { lo, hi } = range;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo && v !== Number.NEGATIVE_INFINITY) lo = v; // NaN fails both comparisons
    if (v > hi && v !== Number.POSITIVE_INFINITY) hi = v;
  }
  range.lo = lo;
  range.hi = hi;
}

/** The range found, or 0..0 when there was no finite value. */
export function finishRange(range: FiniteRange): FiniteRange {
  return range.lo > range.hi ? { lo: 0, hi: 0 } : { lo: range.lo, hi: range.hi };
}

/**
 * Picks the rule for a class. `scanRange` (one pass over the values, which the reader does in pieces)
 * is called only for classes whose rule depends on the values.
 */
export async function chooseMapping(
  classId: number,
  logical: boolean,
  scanRange: () => Promise<FiniteRange>,
): Promise<Mapping> {
  if (logical) return { rule: 'logical', bits: 8, lo: 0, hi: 1 };
  if (classId === MX.UINT8) return { rule: 'identity', bits: 8, lo: 0, hi: 255 };
  if (classId === MX.UINT16) return { rule: 'identity', bits: 16, lo: 0, hi: 65535 };
  const { lo, hi } = await scanRange();
  if (classId === MX.DOUBLE || classId === MX.SINGLE) {
    if (lo >= 0 && hi <= 1) return { rule: 'unit-interval', bits: 8, lo, hi };
    if (lo >= 0 && hi <= 255) return { rule: 'byte-range', bits: 8, lo, hi };
    return { rule: 'min-max', bits: 8, lo, hi };
  }
  if (lo >= 0 && hi <= 255) return { rule: 'identity', bits: 8, lo, hi };
  if (lo >= 0 && hi <= 65535) return { rule: 'identity', bits: 16, lo, hi };
  return { rule: 'min-max', bits: 8, lo, hi };
}

export function sampleFunction(mapping: Mapping): (v: number) => number {
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

/**
 * One frame's values in MATLAB's column-major order (row index fastest, then column, then channel: the
 * H×W×C block of frame f) to row-major H×W×C samples with interleaved channels, mapped.
 */
export function columnMajorToFrame(values: ArrayLike<number>, layout: Layout, mapping: Mapping): Uint8Array | Uint16Array {
  const { height: h, width: w, channels: c } = layout;
  const perFrame = h * w * c;
  if (mapping.rule === 'identity' && mapping.bits === 8 && values instanceof Uint8Array) {
    const out = uninitialisedBytes(perFrame); // the transpose writes every byte
    transposeBytes(values, out, h, w, c);
    return out;
  }
  const out = mapping.bits === 16 ? new Uint16Array(perFrame) : new Uint8Array(perFrame);
  const f = sampleFunction(mapping);
  let k = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let col = 0; col < w; col++) {
      let o = col * c + ch;
      for (let row = 0; row < h; row++, k++, o += w * c) out[o] = f(values[k]!);
    }
  }
  return out;
}

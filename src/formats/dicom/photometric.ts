/**
 * Stored samples to output samples (row-major H×W×C, channels interleaved):
 * - BitsStored: bits above BitsStored are masked off; signed samples (PixelRepresentation 1) are
 *   sign-extended from BitsStored then shifted by 2^(BitsStored-1) into 0..2^BitsStored-1, so the order
 *   of values is kept and the most negative value becomes 0.
 * - MONOCHROME1 is inverted (2^BitsStored - 1 - v) so that higher is always brighter.
 * - YBR_FULL and YBR_FULL_422 are converted to RGB with the PS3.3 C.7.6.3.1.2 full-range equations
 *   (the same coefficients as pydicom's convert_color_space), rounded half up and clamped.
 * - PALETTE COLOR goes through the palette (`palette.ts`).
 * Output is Uint8Array when BitsStored ≤ 8, else Uint16Array.
 */
import type { StoredFrame } from './decoders.ts';
import { type Palette, applyPalette } from './palette.ts';
import type { PixelModule } from './pixel-module.ts';

export function toOutput(frame: StoredFrame, px: PixelModule, palette: Palette | null): Uint8Array | Uint16Array {
  const pixels = px.rows * px.columns;
  // The common case needs no per-sample work: unsigned samples that use every stored bit, already grey
  // or interleaved RGB. The decoder's own buffer when it is one (native, RLE), else one copy, so that the
  // caller owns its frame.
  const fullWidth = frame.samples instanceof Uint8Array ? px.bitsStored === 8 : px.bitsStored === 16;
  const passThrough = frame.photometric === 'MONOCHROME2' || (frame.photometric === 'RGB' && !frame.planar);
  if (px.pixelRepresentation === 0 && fullWidth && passThrough) return frame.owned ? frame.samples : frame.samples.slice();
  const values = normaliseBits(frame.samples, px);
  if (px.samplesPerPixel === 1) {
    if (px.photometric === 'PALETTE COLOR') return applyPalette(values, palette!, px);
    if (px.photometric === 'MONOCHROME1') {
      const max = 2 ** px.bitsStored - 1;
      for (let i = 0; i < pixels; i += 1) values[i] = max - values[i]!;
    }
    return narrow(values, px);
  }
  let rgb: Uint32Array;
  if (frame.photometric === 'YBR_FULL_422') rgb = ybrToRgb(upsample422(values, px), px);
  else {
    const interleaved = frame.planar ? interleave(values, pixels) : values;
    rgb = frame.photometric === 'YBR_FULL' ? ybrToRgb(interleaved, px) : interleaved;
  }
  return narrow(rgb, px);
}

/** Samples as unsigned values in 0..2^BitsStored-1 (see the file comment). */
function normaliseBits(samples: Uint8Array | Uint16Array, px: PixelModule): Uint32Array {
  const out = new Uint32Array(samples.length);
  const bits = px.bitsStored;
  const mask = 2 ** bits - 1;
  if (px.pixelRepresentation === 0) {
    for (let i = 0; i < samples.length; i += 1) out[i] = samples[i]! & mask;
    return out;
  }
  const half = 2 ** (bits - 1);
  // (v + half) mod 2^bits: sign-extend from BitsStored and shift, in one step.
  for (let i = 0; i < samples.length; i += 1) out[i] = ((samples[i]! & mask) + half) & mask;
  return out;
}

function interleave(values: Uint32Array, pixels: number): Uint32Array {
  const out = new Uint32Array(pixels * 3);
  for (let p = 0; p < pixels; p += 1) {
    out[p * 3] = values[p]!;
    out[p * 3 + 1] = values[pixels + p]!;
    out[p * 3 + 2] = values[2 * pixels + p]!;
  }
  return out;
}

/** YBR_FULL_422 as stored natively: Y1 Y2 Cb Cr for each pair of pixels in a row. */
function upsample422(values: Uint32Array, px: PixelModule): Uint32Array {
  const out = new Uint32Array(px.rows * px.columns * 3);
  const pairsPerRow = Math.ceil(px.columns / 2);
  for (let y = 0; y < px.rows; y += 1) {
    for (let pair = 0; pair < pairsPerRow; pair += 1) {
      const at = (y * pairsPerRow + pair) * 4;
      const cb = values[at + 2]!;
      const cr = values[at + 3]!;
      for (let k = 0; k < 2; k += 1) {
        const x = pair * 2 + k;
        if (x >= px.columns) break;
        const o = (y * px.columns + x) * 3;
        out[o] = values[at + k]!;
        out[o + 1] = cb;
        out[o + 2] = cr;
      }
    }
  }
  return out;
}

function ybrToRgb(ybr: Uint32Array, px: PixelModule): Uint32Array {
  const max = 2 ** px.bitsStored - 1;
  const mid = 2 ** (px.bitsStored - 1);
  const out = new Uint32Array(ybr.length);
  const clamp = (v: number) => (v < 0 ? 0 : v > max ? max : Math.floor(v + 0.5));
  for (let i = 0; i < ybr.length; i += 3) {
    const y = ybr[i]!;
    const cb = ybr[i + 1]! - mid;
    const cr = ybr[i + 2]! - mid;
    out[i] = clamp(y + 1.402 * cr);
    out[i + 1] = clamp(y - ((0.114 * 1.772) / 0.587) * cb - ((0.299 * 1.402) / 0.587) * cr);
    out[i + 2] = clamp(y + 1.772 * cb);
  }
  return out;
}

function narrow(values: Uint32Array, px: PixelModule): Uint8Array | Uint16Array {
  return px.bitsStored <= 8 ? Uint8Array.from(values) : Uint16Array.from(values);
}

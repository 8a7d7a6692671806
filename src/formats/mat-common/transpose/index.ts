/**
 * MATLAB's column-major uint8 samples to row-major frames, without a per-sample function call.
 */
import { LITTLE_ENDIAN_HOST, transposeTiled, transposeWords } from './js.ts';

/**
 * Column-major H×W per channel (`src`) to row-major H×W×C with interleaved channels (`out`, every byte
 * written). Grey frames whose height and width are multiples of 4 go 4×4 bytes at a time through 32-bit
 * words; anything else is copied tile by tile.
 */
export function transposeBytes(src: Uint8Array, out: Uint8Array, h: number, w: number, c: number): void {
  if (LITTLE_ENDIAN_HOST && c === 1 && h % 4 === 0 && w % 4 === 0 && out.byteOffset % 4 === 0) {
    // A word view needs a 4-byte aligned start: copy a misaligned frame once (far cheaper than bytewise).
    transposeWords(src.byteOffset % 4 === 0 ? src : src.slice(0, h * w), out, h, w);
    return;
  }
  transposeTiled(src, out, h, w, c);
}

/**
 * MATLAB's column-major uint8 samples to row-major frames, without a per-sample function call. Grey
 * planes go through the WebAssembly SIMD kernel (wasm.ts: 16×16 byte blocks; for 600×800 frames about
 * 2.4 times as fast as the JS word path, copies in and out of its memory included). The JS transposes
 * (js.ts) take what it cannot: RGB frames (their channels are interleaved on the way), planes over
 * MAX_WASM_PLANE, and every frame where WebAssembly SIMD is not available.
 */
import { LITTLE_ENDIAN_HOST } from '../../../util/bytes.ts';
import { transposeTiled, transposeWords } from './js.ts';
import { wasmTranspose } from './wasm.ts';

/** Which transpose grey frames get in this process: for the benchmark and the tests. */
export const GREY_TRANSPOSE: 'wasm-simd' | 'js' = wasmTranspose === null ? 'js' : 'wasm-simd';

/**
 * Column-major H×W per channel (`src`) to row-major H×W×C with interleaved channels (`out`, every byte
 * written). Without the kernel, grey frames whose height and width are multiples of 4 go 4×4 bytes at a
 * time through 32-bit words; anything else is copied tile by tile.
 */
export function transposeBytes(src: Uint8Array, out: Uint8Array, h: number, w: number, c: number): void {
  if (c === 1 && wasmTranspose?.(src, out, h, w)) return;
  if (LITTLE_ENDIAN_HOST && c === 1 && h % 4 === 0 && w % 4 === 0 && out.byteOffset % 4 === 0) {
    // A word view needs a 4-byte aligned start: copy a misaligned frame once (far cheaper than bytewise).
    transposeWords(src.byteOffset % 4 === 0 ? src : src.slice(0, h * w), out, h, w);
    return;
  }
  transposeTiled(src, out, h, w, c);
}

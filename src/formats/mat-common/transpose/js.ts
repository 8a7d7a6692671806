/**
 * The transposes in plain JavaScript: the fallback where the WebAssembly kernel cannot run (index.ts),
 * and the path for RGB frames, whose channels are interleaved on the way.
 */

/** Square tiles for the byte transpose: small enough that a tile's rows stay in cache. */
const TILE = 64;

/**
 * Column-major H×W per channel to row-major interleaved, copied tile by tile so that reads and writes
 * both stay within cache lines. Any shape, any number of channels.
 */
export function transposeTiled(src: Uint8Array, out: Uint8Array, h: number, w: number, c: number): void {
  const rowStride = w * c;
  for (let ch = 0; ch < c; ch++) {
    const plane = ch * h * w;
    for (let col0 = 0; col0 < w; col0 += TILE) {
      const col1 = Math.min(col0 + TILE, w);
      for (let row0 = 0; row0 < h; row0 += TILE) {
        const row1 = Math.min(row0 + TILE, h);
        for (let col = col0; col < col1; col++) {
          let k = plane + col * h + row0;
          let o = row0 * rowStride + col * c + ch;
          for (let row = row0; row < row1; row++, k++, o += rowStride) out[o] = src[k]!;
        }
      }
    }
  }
}

/**
 * Grey column-major H×W to row-major, H and W multiples of 4, both arrays 4-byte aligned. Each step reads
 * one word from each of 4 neighbouring columns (4 rows of each), transposes that 4×4 byte block in
 * registers, and writes one word to each of the 4 rows. The shifts assume a little-endian host (byte k
 * of a word in memory is bits 8k..8k+7); other hosts take the tiled path.
 */
export function transposeWords(src: Uint8Array, out: Uint8Array, h: number, w: number): void {
  const s32 = new Uint32Array(src.buffer, src.byteOffset, (h * w) >> 2);
  const o32 = new Uint32Array(out.buffer, out.byteOffset, (h * w) >> 2);
  const hq = h >> 2; // words per column
  const wq = w >> 2; // words per row
  for (let cq = 0; cq < wq; cq++) {
    let si = cq * h; // word index of column 4·cq, rows 0..3
    let oi = cq; // word index of row 0, columns 4·cq..4·cq+3
    for (let rq = 0; rq < hq; rq++, si++, oi += w) {
      const a = s32[si]!;
      const b = s32[si + hq]!;
      const c = s32[si + 2 * hq]!;
      const d = s32[si + 3 * hq]!;
      // Interleave bytes of column pairs, then 16-bit halves of the pairs.
      const ab02 = (a & 0x00ff00ff) | ((b & 0x00ff00ff) << 8);
      const ab13 = ((a >>> 8) & 0x00ff00ff) | (b & 0xff00ff00);
      const cd02 = (c & 0x00ff00ff) | ((d & 0x00ff00ff) << 8);
      const cd13 = ((c >>> 8) & 0x00ff00ff) | (d & 0xff00ff00);
      o32[oi] = (ab02 & 0xffff) | (cd02 << 16);
      o32[oi + wq] = (ab13 & 0xffff) | (cd13 << 16);
      o32[oi + 2 * wq] = (ab02 >>> 16) | (cd02 & 0xffff0000);
      o32[oi + 3 * wq] = (ab13 >>> 16) | (cd13 & 0xffff0000);
    }
  }
}

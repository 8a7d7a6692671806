/**
 * The uint8 column-major → row-major copy, as the readers call it (grey frames through the WebAssembly
 * kernel, RGB through the tiled JS path; transpose.test.ts covers each path and shape on its own): it must
 * give exactly what the plain definition gives, wherever the frame starts in its buffer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Layout } from '../../../../src/formats/mat-common/layout.ts';
import { columnMajorToFrame, type Mapping } from '../../../../src/formats/mat-common/mapping.ts';

const IDENTITY_8: Mapping = { rule: 'identity', bits: 8, lo: 0, hi: 255 };

function expected(src: Uint8Array, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(h * w * c);
  for (let ch = 0; ch < c; ch++) {
    for (let col = 0; col < w; col++) for (let row = 0; row < h; row++) out[(row * w + col) * c + ch] = src[ch * h * w + col * h + row]!;
  }
  return out;
}

test('uint8 frames of every shape and alignment come out row-major, sample for sample', () => {
  const shapes: [number, number, 1 | 3][] = [
    [4, 4, 1], [600, 800, 1], [112, 112, 1], [8, 12, 1], [68, 132, 1], // sides multiples of 4
    [8, 10, 1], [10, 8, 1], [7, 9, 1], [1, 1, 1], [1, 5, 1], [130, 66, 1], // other sides
    [12, 16, 3], [5, 7, 3], [64, 72, 3], // RGB
  ];
  let seed = 12345;
  for (const [h, w, c] of shapes) {
    for (const shift of [0, 1, 3, 8]) {
      const backing = new Uint8Array(h * w * c + shift);
      for (let i = 0; i < backing.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        backing[i] = seed >>> 24;
      }
      const src = backing.subarray(shift);
      const layout: Layout = { frames: 1, height: h, width: w, channels: c, name: 'test' };
      const before = src.slice();
      const out = columnMajorToFrame(src, layout, IDENTITY_8);
      assert.ok(out instanceof Uint8Array);
      assert.deepEqual(out, expected(src, h, w, c), `${h}×${w}×${c}, frame at byte ${shift}`);
      assert.deepEqual(src, before, 'the source is left as it was');
    }
  }
});

/**
 * The grey uint8 transpose (column-major → row-major) has a WebAssembly SIMD kernel and JS fallbacks: all
 * must give exactly what the plain definition gives, for every shape (sides that are and are not
 * multiples of 4 and of 16, the kernel's block) and wherever the frame starts in its buffer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Layout } from '../../../../src/formats/mat-common/layout.ts';
import { columnMajorToFrame, type Mapping } from '../../../../src/formats/mat-common/mapping.ts';
import { GREY_TRANSPOSE } from '../../../../src/formats/mat-common/transpose/index.ts';
import { transposeTiled, transposeWords } from '../../../../src/formats/mat-common/transpose/js.ts';
import { loadWasmTranspose, MAX_WASM_PLANE, wasmTranspose } from '../../../../src/formats/mat-common/transpose/wasm.ts';

const IDENTITY_8: Mapping = { rule: 'identity', bits: 8, lo: 0, hi: 255 };

function naive(src: Uint8Array, h: number, w: number): Uint8Array {
  const out = new Uint8Array(h * w);
  for (let col = 0; col < w; col++) for (let row = 0; row < h; row++) out[row * w + col] = src[col * h + row]!;
  return out;
}

let seed = 2024;
/** `n` pseudo-random bytes starting `shift` bytes into their buffer. */
function randomPlane(n: number, shift: number): Uint8Array {
  const backing = new Uint8Array(n + shift);
  for (let i = 0; i < backing.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    backing[i] = seed >>> 24;
  }
  return backing.subarray(shift);
}

/** Byte equality without assert's diff, which takes minutes to build for a failing 600×800 frame. */
function assertSameBytes(actual: Uint8Array | Uint16Array, expected: Uint8Array, what: string): void {
  assert.ok(actual instanceof Uint8Array, `${what}: a Uint8Array`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  const at = actual.findIndex((v, i) => v !== expected[i]);
  if (at >= 0) assert.fail(`${what}: byte ${at} is ${actual[at]}, expected ${expected[at]}`);
}

const grey = (h: number, w: number): Layout => ({ frames: 1, height: h, width: w, channels: 1, name: 'test' });

test('this host runs the WebAssembly SIMD kernel (else the tests below cover only the JS path)', () => {
  assert.equal(GREY_TRANSPOSE, 'wasm-simd');
  assert.ok(wasmTranspose !== null);
});

test('every shape up to 70×70, aligned and not, matches the definition and the JS transpose', () => {
  for (let h = 1; h <= 70; h++) {
    for (let w = 1; w <= 70; w++) {
      const src = randomPlane(h * w, (h + w) % 4); // every alignment, spread over the shapes
      const want = naive(src, h, w);
      assertSameBytes(columnMajorToFrame(src, grey(h, w), IDENTITY_8), want, `${h}×${w}, frame at byte ${src.byteOffset}`);
      const js = new Uint8Array(h * w);
      transposeTiled(src, js, h, w, 1);
      assertSameBytes(js, want, `JS tiled, ${h}×${w}`);
    }
  }
});

test('a 600×800 frame at odd offsets, through the kernel and the JS word path', () => {
  for (const shift of [0, 1, 3, 5, 16]) {
    const src = randomPlane(600 * 800, shift);
    const before = src.slice();
    const want = naive(src, 600, 800);
    assertSameBytes(columnMajorToFrame(src, grey(600, 800), IDENTITY_8), want, `frame at byte ${shift}`);
    assertSameBytes(src, before, 'the source is left as it was');
    const js = new Uint8Array(600 * 800);
    transposeWords(shift % 4 === 0 ? src : src.slice(), js, 600, 800);
    assertSameBytes(js, want, `JS words, frame at byte ${shift}`);
  }
});

test('the kernel writes into an output view at any offset, and each frame keeps its own buffer', () => {
  const kernel = wasmTranspose!;
  for (const [h, w] of [[17, 33], [64, 48], [31, 16]] as const) {
    const src = randomPlane(h * w, 1);
    const backing = new Uint8Array(h * w + 7).fill(0xaa);
    const out = backing.subarray(3, 3 + h * w);
    assert.equal(kernel(src, out, h, w), true);
    assertSameBytes(out, naive(src, h, w), `${h}×${w}`);
    assert.deepEqual([...backing.subarray(0, 3), ...backing.subarray(3 + h * w)], new Array(7).fill(0xaa), 'nothing outside the view');
  }
  const first = columnMajorToFrame(randomPlane(40 * 40, 0), grey(40, 40), IDENTITY_8);
  const kept = first.slice();
  columnMajorToFrame(randomPlane(40 * 40, 0), grey(40, 40), IDENTITY_8);
  assert.deepEqual(first, kept, 'a later frame does not change an earlier one');
});

test('the JS word path: sides multiples of 4', () => {
  for (const [h, w] of [[4, 4], [8, 12], [68, 132], [112, 112]] as const) {
    const src = randomPlane(h * w, 0);
    const out = new Uint8Array(h * w);
    transposeWords(src, out, h, w);
    assertSameBytes(out, naive(src, h, w), `${h}×${w}`);
  }
});

test('a plane larger than the kernel takes goes through the JS path', () => {
  const h = 4104;
  const w = 4100; // multiples of 4: the word path
  assert.ok(h * w > MAX_WASM_PLANE);
  const src = randomPlane(h * w, 0);
  assert.equal(wasmTranspose!(src, new Uint8Array(h * w), h, w), false);
  assertSameBytes(columnMajorToFrame(src, grey(h, w), IDENTITY_8), naive(src, h, w), `${h}×${w}`);
});

test('a module that does not compile gives no kernel (the JS path is used)', () => {
  assert.equal(loadWasmTranspose(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff])), null);
});

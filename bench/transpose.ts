/**
 * `npm run bench:transpose`: the MAT readers' column-major → row-major transpose of grey uint8 frames, on
 * one cine's worth of frames (48 × 600×800, a phantom's), sides alternated within each round:
 * - JS words: the JS fallback (4×4 bytes through 32-bit words) into one reused output;
 * - wasm SIMD: the WebAssembly kernel, copies in and out included, into one reused output;
 * - columnMajorToFrame: what the readers call, a fresh output per frame (allocation included);
 * - copy: a plain copy of the same bytes, the floor.
 * Reports the median milliseconds per 48 frames over BENCH_ROUNDS (default 21) rounds.
 */
import type { Layout } from '../src/formats/mat-common/layout.ts';
import { columnMajorToFrame, type Mapping } from '../src/formats/mat-common/mapping.ts';
import { GREY_TRANSPOSE } from '../src/formats/mat-common/transpose/index.ts';
import { transposeWords } from '../src/formats/mat-common/transpose/js.ts';
import { wasmTranspose } from '../src/formats/mat-common/transpose/wasm.ts';
import { generatePhantom } from '../src/phantom/index.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const p = generatePhantom({ view: 'AP4', quality: 0.8, seed: 9_800_001, frames: 48, height: 600, width: 800 });
const { height: h, width: w } = p;
// The phantom's frames are row-major; as MATLAB stores them they are column-major, i.e. transposed.
const frames = p.frames.map((f) => {
  const cm = new Uint8Array(h * w);
  for (let row = 0; row < h; row++) for (let col = 0; col < w; col++) cm[col * h + row] = f[row * w + col]!;
  return cm;
});
const layout: Layout = { frames: 48, height: h, width: w, channels: 1, name: 'bench' };
const IDENTITY_8: Mapping = { rule: 'identity', bits: 8, lo: 0, hi: 255 };
const hot = new Uint8Array(h * w);

const kernel = wasmTranspose;
const sides: [string, (src: Uint8Array) => void][] = [
  ['JS words, reused output', (src) => transposeWords(src, hot, h, w)],
  ...(kernel ? [['wasm SIMD, reused output', (src: Uint8Array) => kernel(src, hot, h, w)] as [string, (src: Uint8Array) => void]] : []),
  ['columnMajorToFrame, fresh output', (src) => columnMajorToFrame(src, layout, IDENTITY_8)],
  ['plain copy, reused output', (src) => hot.set(src)],
];
const times: number[][] = sides.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, [, run]] of sides.entries()) {
    const t0 = performance.now();
    for (const f of frames) run(f);
    times[i]!.push(performance.now() - t0);
  }
}
console.log(`bench:transpose — 48 frames 600×800 uint8, ${ROUNDS} rounds, medians; grey frames use: ${GREY_TRANSPOSE}`);
for (const [i, [label]] of sides.entries()) console.log(`${label.padEnd(34)} ${median(times[i]!).toFixed(2).padStart(7)} ms`);

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEchoError } from '../../../src/errors/catalogue.ts';
import type { ManifestInput } from '../../../src/models/manifest.ts';
import { areaWeights, cropRect, grey16Full, prepareFrames, resizeFrameArea, sampleFrameIndices } from '../../../src/models/preprocess.ts';
import { phantomCine } from '../../../src/phantom/index.ts';
import type { Cine, UltrasoundRegion } from '../../../src/ports/cine-reader.ts';

/** An in-memory cine over given frames (a plain data holder, like a reader's output). */
function memoryCine(
  frames: (Uint8Array | Uint16Array)[],
  shape: { height: number; width: number; channels?: 1 | 3; bits?: 8 | 16; regions?: UltrasoundRegion[] },
): Cine & { reads: number[] } {
  const reads: number[] = [];
  return {
    reads,
    format: 'memory',
    frames: frames.length,
    height: shape.height,
    width: shape.width,
    channels: shape.channels ?? 1,
    bitsPerSample: shape.bits ?? 8,
    fps: null,
    ...(shape.regions ? { regions: shape.regions } : {}),
    metadata: {},
    async frame(i) {
      reads.push(i);
      return frames[i]!;
    },
    async close() {},
  };
}

function spec(over: Partial<ManifestInput> = {}): ManifestInput {
  return {
    tensor: 'frames',
    height: 2,
    width: 2,
    channels: 1,
    frames: { dropRate: 0.5, max: 32 },
    cropToSector: true,
    scale: [0, 1],
    resize: 'area',
    ...over,
  };
}

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

test('frame sampling: drop rate 0.5 keeps every second frame, at most `max`, evenly spread', () => {
  assert.deepEqual(sampleFrameIndices(10, 0.5, 32), [0, 2, 4, 6, 8]);
  assert.deepEqual(sampleFrameIndices(9, 0.5, 32), [0, 2, 4, 6, 8]);
  assert.deepEqual(sampleFrameIndices(1, 0.5, 32), [0]);
  assert.deepEqual(sampleFrameIndices(2, 0.5, 32), [0]);
  assert.deepEqual(sampleFrameIndices(0, 0.5, 32), []);
  assert.deepEqual(sampleFrameIndices(4, 0, 32), [0, 1, 2, 3]);
  assert.deepEqual(sampleFrameIndices(10, 2 / 3, 32), [0, 3, 6, 9]);
  // 100 frames → 50 candidates (0, 2, ..., 98) → 32 of them: kept[floor(i * 50 / 32)].
  const many = sampleFrameIndices(100, 0.5, 32);
  assert.equal(many.length, 32);
  assert.deepEqual(many.slice(0, 6), [0, 2, 6, 8, 12, 14]);
  assert.equal(many[31], 2 * Math.floor((31 * 50) / 32));
  assert.ok(many.every((v, i) => v % 2 === 0 && (i === 0 || v > many[i - 1]!)));
  assert.deepEqual(sampleFrameIndices(10, 0.5, 2), [0, 4]);
});

test('area resize: 4×4 → 2×2 averages 2×2 blocks', () => {
  const src = Uint8Array.from([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]);
  const out = new Float64Array(4);
  resizeFrameArea(src, 4, 1, { x0: 0, y0: 0, x1: 3, y1: 3 }, 2, 2, out, 0);
  close(out, [(0 + 2 + 8 + 10) / 4, (4 + 6 + 12 + 14) / 4, (16 + 18 + 24 + 26) / 4, (20 + 22 + 28 + 30) / 4], 1e-12);
});

test('area resize: 3×3 → 2×2 uses fractional coverage (weights 2/3 and 1/3)', () => {
  // v = 9 row + 3 col. Output (0,0) covers source [0, 1.5)²: rows (2/3, 1/3) × cols (2/3, 1/3).
  // Row 0: 2/3·0 + 1/3·3 = 1; row 1: 2/3·9 + 1/3·12 = 10; so (0,0) = 2/3·1 + 1/3·10 = 4. Likewise 8, 16, 20.
  const src = Uint8Array.from([0, 3, 6, 9, 12, 15, 18, 21, 24]);
  const out = new Float64Array(4);
  resizeFrameArea(src, 3, 1, { x0: 0, y0: 0, x1: 2, y1: 2 }, 2, 2, out, 0);
  close(out, [4, 8, 16, 20], 1e-12);
  const w = areaWeights(3, 2);
  assert.deepEqual([...w.start], [0, 1]);
  close(w.w, [2 / 3, 1 / 3, 1 / 3, 2 / 3], 1e-15);
});

test('area resize: enlarging repeats samples (each output covers half a source pixel)', () => {
  const out = new Float64Array(4);
  resizeFrameArea(Uint8Array.from([10, 30]), 2, 1, { x0: 0, y0: 0, x1: 1, y1: 0 }, 1, 4, out, 0);
  close(out, [10, 10, 30, 30], 1e-12);
});

test('RGB is converted with BT.601 luma; the tensor is scaled to 0..1 (or the manifest scale)', async () => {
  // 2×2 RGB: red, green, blue, white.
  const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
  const cine = memoryCine([rgb], { height: 2, width: 2, channels: 3 });
  const p = await prepareFrames(cine, spec());
  assert.deepEqual(p.indices, [0]);
  close(p.data, [0.299, 0.587, 0.114, 1]);
  const scaled = await prepareFrames(cine, spec({ scale: [-1, 1] }));
  close(scaled.data, [-1 + 2 * 0.299, -1 + 2 * 0.587, -1 + 2 * 0.114, 1]);
});

test('16-bit samples map to 0..255 by the smallest bit depth holding the peak', async () => {
  assert.equal(grey16Full(0), 255);
  assert.equal(grey16Full(255), 255);
  assert.equal(grey16Full(256), 1023);
  assert.equal(grey16Full(4095), 4095);
  assert.equal(grey16Full(4096), 16383);
  assert.equal(grey16Full(65535), 65535);
  // 12-bit data in a 16-bit container: 4095 is white, 2048 about mid-grey.
  const twelve = memoryCine([Uint16Array.from([0, 1024, 2048, 4095])], { height: 2, width: 2, bits: 16 });
  const p = await prepareFrames(twelve, spec());
  assert.equal(p.fullScale, 4095);
  close(p.data, [0, 1024 / 4095, 2048 / 4095, 1]);
  // 8-bit values stored in 16-bit samples stay as they are.
  const eight = await prepareFrames(memoryCine([Uint16Array.from([0, 51, 102, 204])], { height: 2, width: 2, bits: 16 }), spec());
  close(eight.data, [0, 0.2, 0.4, 0.8]);
});

test('crop to the ultrasound region: prefers 2D regions, clamps, ignores unusable ones', () => {
  assert.deepEqual(cropRect(undefined, 100, 200), { x0: 0, y0: 0, x1: 199, y1: 99 });
  assert.deepEqual(cropRect([{ x0: 10, y0: 5, x1: 60, y1: 50 }, { x0: 40, y0: 20, x1: 150, y1: 80 }], 100, 200), { x0: 10, y0: 5, x1: 150, y1: 80 });
  assert.deepEqual(
    cropRect([{ x0: 10, y0: 5, x1: 60, y1: 50, spatialFormat: 1 }, { x0: 0, y0: 60, x1: 199, y1: 99, spatialFormat: 3 }], 100, 200),
    { x0: 10, y0: 5, x1: 60, y1: 50 },
  );
  assert.deepEqual(cropRect([{ x0: -5, y0: 10, x1: 500, y1: 300 }], 100, 200), { x0: 0, y0: 10, x1: 199, y1: 99 });
  assert.deepEqual(cropRect([{ x0: 10, y0: 10, x1: 12, y1: 12 }], 100, 200), { x0: 0, y0: 0, x1: 199, y1: 99 });
  assert.deepEqual(cropRect([{ x0: 50, y0: 10, x1: 20, y1: 90 }], 100, 200), { x0: 0, y0: 0, x1: 199, y1: 99 });
});

test('prepareFrames crops to the regions only when the manifest asks for it', async () => {
  // 32×32 frame: a 16×16 block of 200 at (8..23, 8..23), 0 elsewhere.
  const f = new Uint8Array(32 * 32);
  for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) f[y * 32 + x] = 200;
  const cine = memoryCine([f], { height: 32, width: 32, regions: [{ x0: 8, y0: 8, x1: 23, y1: 23, spatialFormat: 1 }] });
  const cropped = await prepareFrames(cine, spec({ height: 4, width: 4 }));
  assert.deepEqual(cropped.crop, { x0: 8, y0: 8, x1: 23, y1: 23 });
  close(cropped.data, new Array(16).fill(200 / 255));
  const whole = await prepareFrames(cine, spec({ height: 4, width: 4, cropToSector: false }));
  // 32 → 4: each output averages an 8×8 block; the corners see no block, the centre four see it all.
  close(whole.data, [0, 0, 0, 0, 0, 200 / 255, 200 / 255, 0, 0, 200 / 255, 200 / 255, 0, 0, 0, 0, 0]);
});

test('prepareFrames reads only the sampled frames and lays them out [N,1,H,W]', async () => {
  const frames = Array.from({ length: 7 }, (_, i) => new Uint8Array(4).fill(i * 10));
  const cine = memoryCine(frames, { height: 2, width: 2 });
  const p = await prepareFrames(cine, spec());
  assert.deepEqual(p.indices, [0, 2, 4, 6]);
  assert.deepEqual(cine.reads, [0, 2, 4, 6]);
  assert.equal(p.data.length, 4 * 4);
  close(p.data, [0, 0, 0, 0, 20, 20, 20, 20, 40, 40, 40, 40, 60, 60, 60, 60].map((v) => v / 255));
});

test('a frame of the wrong size or an empty cine is CINE_CORRUPT', async () => {
  await assert.rejects(prepareFrames(memoryCine([new Uint8Array(3)], { height: 2, width: 2 }), spec()), (e: unknown) => {
    assert.ok(isEchoError(e, 'CINE_CORRUPT'));
    assert.match(e.message, /frame 0 .* has 3 samples; 2x2x1 = 4 expected/);
    return true;
  });
  await assert.rejects(prepareFrames(memoryCine([], { height: 2, width: 2 }), spec()), (e: unknown) => isEchoError(e, 'CINE_CORRUPT'));
});

test('RGB and 16-bit containers of the same phantom give the same tensor as 8-bit grey', async () => {
  const base = { view: 'AP4' as const, quality: 0.7, seed: 77, frames: 6, height: 90, width: 120, regions: true };
  const input = spec({ height: 128, width: 128 });
  const grey = await prepareFrames(phantomCine(base), input);
  const rgb16 = await prepareFrames(phantomCine({ ...base, channels: 3, bitsPerSample: 16 }), input);
  assert.deepEqual(grey.indices, [0, 2, 4]);
  assert.equal(rgb16.fullScale, 65535);
  let worst = 0;
  for (let i = 0; i < grey.data.length; i++) worst = Math.max(worst, Math.abs(grey.data[i]! - rgb16.data[i]!));
  assert.ok(worst < 1e-6, `max difference ${worst}`);
  assert.ok(grey.data.some((v) => v > 0.5) && grey.data.some((v) => v === 0));
});

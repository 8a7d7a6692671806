/**
 * Turns a Cine into the network's input tensor, exactly as training saw it (training/export-dataset.ts
 * calls this same code): sample frames, colour to grey, bit depth to 0..255, crop to the ultrasound
 * region, area-resize, scale. Every step is deterministic and documented in docs/models.md.
 */
import { EchoError } from '../errors/catalogue.ts';
import type { Cine, UltrasoundRegion } from '../ports/cine-reader.ts';
import type { PreprocessSpec } from './manifest.ts';

/** Inclusive pixel rectangle. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface PreparedFrames {
  /** Source frame indices, in order, one per row of `data`. */
  indices: number[];
  /** Float32 [indices.length, 1, height, width], scaled to the manifest's input.scale. */
  data: Float32Array;
  height: number;
  width: number;
  /** The source rectangle that was resized (the whole frame when no crop applied). */
  crop: Rect;
  /** The sample value that maps to grey 255 (255 for 8-bit; 2^b - 1 for 16-bit, see grey16Full). */
  fullScale: number;
}

/** ITU-R BT.601 luma weights, the conventional RGB → grey for video-derived echo frames. */
export const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Frames to keep: every (1 / (1 - dropRate))-th frame from the first (drop rate 0.5 keeps 0, 2, 4...);
 * when more than `max` remain, `max` of them evenly spread: kept[floor(i × n / max)], i = 0..max-1.
 */
export function sampleFrameIndices(count: number, dropRate: number, max: number): number[] {
  if (count < 1) return [];
  const step = 1 / (1 - dropRate);
  const kept: number[] = [];
  for (let k = 0; ; k++) {
    // The epsilon keeps 3 × (1 / (1 - 2/3)) from landing on 8.999... and repeating a frame.
    const index = Math.floor(k * step + 1e-9);
    if (index >= count) break;
    kept.push(index);
  }
  if (kept.length <= max) return kept;
  return Array.from({ length: max }, (_, i) => kept[Math.floor((i * kept.length) / max)]!);
}

/**
 * The source rectangle to resize: the bounding box of the cine's 2D ultrasound regions (spatial format 1)
 * when it has any, else of all its regions, clamped to the frame. The whole frame when there are no
 * usable regions or the union is smaller than 16 × 16 pixels (a region that small is a header error).
 */
export function cropRect(regions: readonly UltrasoundRegion[] | undefined, height: number, width: number): Rect {
  const whole: Rect = { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
  if (!regions || regions.length === 0) return whole;
  const valid = regions.filter(
    (r) => [r.x0, r.y0, r.x1, r.y1].every(Number.isFinite) && r.x1 >= r.x0 && r.y1 >= r.y0,
  );
  const twoD = valid.filter((r) => r.spatialFormat === 1);
  const use = twoD.length > 0 ? twoD : valid;
  if (use.length === 0) return whole;
  const rect: Rect = {
    x0: Math.max(0, Math.floor(Math.min(...use.map((r) => r.x0)))),
    y0: Math.max(0, Math.floor(Math.min(...use.map((r) => r.y0)))),
    x1: Math.min(width - 1, Math.ceil(Math.max(...use.map((r) => r.x1)))),
    y1: Math.min(height - 1, Math.ceil(Math.max(...use.map((r) => r.y1)))),
  };
  if (rect.x1 - rect.x0 + 1 < 16 || rect.y1 - rect.y0 + 1 < 16) return whole;
  return rect;
}

/** For 16-bit samples: the full scale 2^b - 1 of the smallest b in {8, 10, 12, 14, 16} that holds `peak`. */
export function grey16Full(peak: number): number {
  for (const bits of [8, 10, 12, 14, 16]) if (peak <= 2 ** bits - 1) return 2 ** bits - 1;
  return 65535;
}

/**
 * Area-averaging weights for resizing `srcLen` samples to `dstLen`: output j is the mean of the source
 * interval [j·s, (j+1)·s), s = srcLen / dstLen, with fractional weights for partly covered samples
 * (OpenCV INTER_AREA when shrinking). Returned flattened: output j uses sources start[j] .. start[j]+n[j]-1.
 */
export function areaWeights(srcLen: number, dstLen: number): { start: Int32Array; n: Int32Array; offset: Int32Array; w: Float64Array } {
  const s = srcLen / dstLen;
  const start = new Int32Array(dstLen);
  const n = new Int32Array(dstLen);
  const offset = new Int32Array(dstLen);
  const w: number[] = [];
  for (let j = 0; j < dstLen; j++) {
    const a = j * s;
    const b = (j + 1) * s;
    const first = Math.floor(a);
    const last = Math.min(srcLen - 1, Math.ceil(b) - 1);
    start[j] = first;
    offset[j] = w.length;
    for (let k = first; k <= last; k++) {
      const overlap = Math.min(b, k + 1) - Math.max(a, k);
      if (overlap > 0) w.push(overlap / s);
      else w.push(0);
    }
    n[j] = last - first + 1;
  }
  return { start, n, offset, w: Float64Array.from(w) };
}

/** The horizontal and vertical area weights of one resize (the same for every frame of a clip). */
export interface ResizeWeights {
  hx: ReturnType<typeof areaWeights>;
  vy: ReturnType<typeof areaWeights>;
  /** Scratch for the horizontal pass: crop height × dstW. */
  rows: Float64Array;
}

export function resizeWeights(rect: Rect, dstH: number, dstW: number): ResizeWeights {
  const cw = rect.x1 - rect.x0 + 1;
  const ch = rect.y1 - rect.y0 + 1;
  return { hx: areaWeights(cw, dstW), vy: areaWeights(ch, dstH), rows: new Float64Array(ch * dstW) };
}

/**
 * Resizes the `rect` of one H×W×C frame to dstH × dstW by area averaging, converting to grey on the fly
 * (BT.601 luma for C = 3). Writes raw sample units (not yet scaled) into `out` at `outOffset`.
 * `weights` (from resizeWeights for the same rect and size) may be passed to reuse across frames.
 * Every output is summed in the same order whatever the loop shape (sources left to right, then rows top
 * to bottom), so results are bit-identical across versions of this code and with training's.
 */
export function resizeFrameArea(
  samples: ArrayLike<number>,
  width: number,
  channels: 1 | 3,
  rect: Rect,
  dstH: number,
  dstW: number,
  out: Float64Array,
  outOffset: number,
  weights: ResizeWeights = resizeWeights(rect, dstH, dstW),
): void {
  const { hx, vy, rows } = weights;
  const ch = rect.y1 - rect.y0 + 1;
  const hStart = hx.start;
  const hN = hx.n;
  const hOff = hx.offset;
  const hW = hx.w;
  if (channels === 1) {
    for (let y = 0; y < ch; y++) {
      const base = (rect.y0 + y) * width + rect.x0;
      const row = y * dstW;
      for (let j = 0; j < dstW; j++) {
        const s0 = base + hStart[j]!;
        const o = hOff[j]!;
        const n = hN[j]!;
        let sum = 0;
        for (let t = 0; t < n; t++) sum += hW[o + t]! * samples[s0 + t]!;
        rows[row + j] = sum;
      }
    }
  } else {
    const [r, g, b] = LUMA;
    for (let y = 0; y < ch; y++) {
      const base = ((rect.y0 + y) * width + rect.x0) * 3;
      const row = y * dstW;
      for (let j = 0; j < dstW; j++) {
        const s0 = base + hStart[j]! * 3;
        const o = hOff[j]!;
        const n = hN[j]!;
        let sum = 0;
        for (let t = 0; t < n; t++) {
          const p = s0 + t * 3;
          sum += hW[o + t]! * (r * samples[p]! + g * samples[p + 1]! + b * samples[p + 2]!);
        }
        rows[row + j] = sum;
      }
    }
  }
  // Output row i, column j: the sum over taps t of w[t] × rows[start + t][j], accumulated tap by tap
  // across the whole output row (the same additions in the same order as one output at a time).
  const vStart = vy.start;
  const vN = vy.n;
  const vOff = vy.offset;
  const vW = vy.w;
  for (let i = 0; i < dstH; i++) {
    const dst = outOffset + i * dstW;
    out.fill(0, dst, dst + dstW);
    const o = vOff[i]!;
    const n = vN[i]!;
    for (let t = 0; t < n; t++) {
      const w = vW[o + t]!;
      const src = (vStart[i]! + t) * dstW;
      for (let j = 0; j < dstW; j++) out[dst + j] = out[dst + j]! + w * rows[src + j]!;
    }
  }
}

/** What resizing a clip's sampled frames needs to know, besides the frames themselves. */
export interface FrameBatchSpec {
  /** Sampled frames in the batch. */
  count: number;
  /** The source frames: width in pixels, samples per pixel, bits per sample, and the rectangle to resize. */
  frameWidth: number;
  channels: 1 | 3;
  bitsPerSample: 8 | 16;
  crop: Rect;
  /** The network's input size and value range (the manifest's input.height, input.width, input.scale). */
  outHeight: number;
  outWidth: number;
  scale: readonly [number, number];
}

/**
 * Where the sampled frames of one clip are resized: frame `f` (0-based among the sampled frames, given in
 * order) with `add`, then the finished tensor with `finish`. `add` may keep the samples only until it
 * resolves: the caller's frame stays the caller's.
 */
export interface FrameBatch {
  add(f: number, samples: Uint8Array | Uint16Array): void | Promise<void>;
  finish(): Promise<{ data: Float32Array; fullScale: number }>;
}

/** Opens a FrameBatch: on this thread (`localFrameBatch`) or on a thread of its own (preprocess-thread.ts). */
export type FrameBatchFactory = (spec: FrameBatchSpec) => FrameBatch;

/** The pure half of prepareFrames, frame by frame on the calling thread. */
export function localFrameBatch(spec: FrameBatchSpec): FrameBatch & { result(): { data: Float32Array; fullScale: number } } {
  const plane = spec.outHeight * spec.outWidth;
  const raw = new Float64Array(spec.count * plane);
  const weights = resizeWeights(spec.crop, spec.outHeight, spec.outWidth);
  let peak = 0;
  const result = () => {
    const fullScale = spec.bitsPerSample === 16 ? grey16Full(peak) : 255;
    const [lo, hi] = spec.scale;
    const k = (hi - lo) / fullScale;
    const data = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) data[i] = lo + k * raw[i]!;
    return { data, fullScale };
  };
  return {
    add(f, samples) {
      if (spec.bitsPerSample === 16) {
        for (let i = 0; i < samples.length; i++) if (samples[i]! > peak) peak = samples[i]!;
      }
      resizeFrameArea(samples, spec.frameWidth, spec.channels, spec.crop, spec.outHeight, spec.outWidth, raw, f * plane, weights);
    },
    result,
    finish: async () => result(),
  };
}

/**
 * Reads the sampled frames of `cine` and prepares them as the manifest's input tensor. The frames are read
 * here, one at a time, and resized where `batch` says (default: on this thread).
 */
export async function prepareFrames(cine: Cine, input: PreprocessSpec, batch: FrameBatchFactory = localFrameBatch): Promise<PreparedFrames> {
  if (!(cine.frames >= 1) || !(cine.height >= 1) || !(cine.width >= 1)) {
    throw new EchoError('CINE_CORRUPT', `the cine (${cine.format}) has ${cine.frames} frames of ${cine.width}x${cine.height}; at least one non-empty frame is needed`);
  }
  const indices = sampleFrameIndices(cine.frames, input.frames.dropRate, input.frames.max);
  const crop = input.cropToSector ? cropRect(cine.regions, cine.height, cine.width) : cropRect(undefined, cine.height, cine.width);
  const expected = cine.height * cine.width * cine.channels;
  const frames = batch({
    count: indices.length,
    frameWidth: cine.width,
    channels: cine.channels,
    bitsPerSample: cine.bitsPerSample,
    crop,
    outHeight: input.height,
    outWidth: input.width,
    scale: input.scale,
  });
  try {
    for (let f = 0; f < indices.length; f++) {
      const samples = await cine.frame(indices[f]!);
      if (samples.length !== expected) {
        throw new EchoError(
          'CINE_CORRUPT',
          `frame ${indices[f]} of the cine (${cine.format}) has ${samples.length} samples; ${cine.width}x${cine.height}x${cine.channels} = ${expected} expected`,
        );
      }
      await frames.add(f, samples);
    }
  } catch (err) {
    // Finished all the same, so that a batch on another thread lets go of what it holds for this clip.
    await frames.finish().catch(() => {});
    throw err;
  }
  const { data, fullScale } = await frames.finish();
  return { indices, data, height: input.height, width: input.width, crop, fullScale };
}

/** Pixel-level helpers for the phantom renderer: box blur, smooth random fields, overlays. */
import type { Rng } from './prng.ts';

/**
 * Separable box blur in place (running sums, O(pixels) whatever the radius). Edges use the mean of the
 * pixels inside the image, so a blurred sector does not darken against a clamped border.
 */
export function boxBlur(data: Float32Array, width: number, height: number, rx: number, ry: number): void {
  const line = new Float64Array(Math.max(width, height));
  if (rx > 0) {
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) line[x] = data[row + x]!;
      blurLine(line, width, rx, (x, v) => {
        data[row + x] = v;
      });
    }
  }
  if (ry > 0) {
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) line[y] = data[y * width + x]!;
      blurLine(line, height, ry, (y, v) => {
        data[y * width + x] = v;
      });
    }
  }
}

function blurLine(line: Float64Array, n: number, r: number, write: (i: number, v: number) => void): void {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < Math.min(r, n); i++) {
    sum += line[i]!;
    count++;
  }
  for (let i = 0; i < n; i++) {
    const add = i + r;
    if (add < n) {
      sum += line[add]!;
      count++;
    }
    const drop = i - r - 1;
    if (drop >= 0) {
      sum -= line[drop]!;
      count--;
    }
    write(i, sum / count);
  }
}

/**
 * A smooth random field in [1 - amount, 1 + amount]: a coarse grid of random values bilinearly
 * interpolated over the image (tissue heterogeneity that a constant background would lack).
 */
export function smoothField(rng: Rng, width: number, height: number, cells: number, amount: number): Float32Array {
  const gw = cells + 1;
  const grid = new Float64Array(gw * gw);
  for (let i = 0; i < grid.length; i++) grid[i] = 1 + amount * rng.signed();
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = (y / Math.max(1, height - 1)) * cells;
    const y0 = Math.min(cells - 1, Math.floor(gy));
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = (x / Math.max(1, width - 1)) * cells;
      const x0 = Math.min(cells - 1, Math.floor(gx));
      const fx = gx - x0;
      const a = grid[y0 * gw + x0]!;
      const b = grid[y0 * gw + x0 + 1]!;
      const c = grid[(y0 + 1) * gw + x0]!;
      const d = grid[(y0 + 1) * gw + x0 + 1]!;
      out[y * width + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return out;
}

/** Rayleigh-distributed speckle amplitudes with mean 1 (fully developed speckle of a scattering medium). */
export function fillSpeckle(rng: Rng, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = rayleighTable[(rng.next() * TABLE) | 0]!;
}

const TABLE = 4096;
/** Rayleigh quantiles at (i + 0.5) / TABLE, normalised to mean 1: a table lookup instead of log + sqrt per pixel. */
const rayleighTable = Float32Array.from(
  { length: TABLE },
  (_, i) => Math.sqrt(-2 * Math.log(1 - (i + 0.5) / TABLE)) / 1.2533141373155,
);

/** Scanner overlays outside the image sector: an ECG trace along the bottom and text-like blocks at the top. */
export function drawOverlays(
  frame: Uint8Array,
  width: number,
  height: number,
  layout: { ecgTop: number; blocks: { x: number; y: number; w: number; h: number }[]; phase: number; level: number },
): void {
  for (const b of layout.blocks) {
    for (let y = b.y; y < Math.min(height, b.y + b.h); y++) {
      for (let x = b.x; x < Math.min(width, b.x + b.w); x++) {
        // A stripe pattern reads like glyphs once resized.
        if ((x + y) % 3 !== 0) frame[y * width + x] = layout.level;
      }
    }
  }
  const band = height - layout.ecgTop;
  if (band < 6) return;
  const mid = layout.ecgTop + band * 0.6;
  let prev = -1;
  for (let x = Math.floor(width * 0.05); x < Math.floor(width * 0.95); x++) {
    const t = (x / width) * 3 + layout.phase;
    const beat = t - Math.floor(t);
    // QRS spike near the start of each beat, a T wave later: enough to look like an ECG strip.
    const qrs = Math.exp(-(((beat - 0.1) / 0.015) ** 2));
    const twave = 0.25 * Math.exp(-(((beat - 0.4) / 0.06) ** 2));
    const y = Math.round(mid - (qrs + twave) * band * 0.45);
    const from = prev < 0 ? y : Math.min(prev, y);
    const to = prev < 0 ? y : Math.max(prev, y);
    for (let yy = from; yy <= to; yy++) if (yy >= 0 && yy < height) frame[yy * width + x] = layout.level;
    prev = y;
  }
}

/**
 * Procedural echo phantom: renders sector-shaped, B-mode-like cines of the 13 standard views, with wall
 * motion over a heart cycle, speckle, noise and the nuisance variation of real acquisitions (probe
 * position, depth, gain, TGC, overlays). `quality` in [0, 1] degrades the image the way poor windows do:
 * lower contrast, clutter, noise, blur, shadowing, wall dropout and loss of contact on part of the sector.
 * Everything comes from the seed through the phantom's own PRNG, so a seed always gives the same bytes.
 */
import { buildScene, PHANTOM_VIEWS, type PhantomView } from './anatomy.ts';
import { createRng, type Rng } from './prng.ts';
import { boxBlur, drawOverlays, fillSpeckle, smoothField } from './raster.ts';
import { BACKGROUND, compileShape } from './shapes.ts';

export interface PhantomOptions {
  view: PhantomView;
  /** Image quality in [0, 1]: 1 is a textbook window, 0 barely readable. */
  quality: number;
  seed: number;
  frames: number;
  height: number;
  width: number;
  /** Frame rate of the cine (sets how fast the heart beats per frame); default 30. */
  fps?: number;
  /** Draw an ECG strip and text blocks outside the sector; default decided by the seed. */
  overlays?: boolean;
}

export interface Phantom {
  frames: Uint8Array[];
  height: number;
  width: number;
  fps: number;
  view: PhantomView;
  quality: number;
  /** Bounding box of the imaged sector in pixels, inclusive (what a scanner reports as its ultrasound region). */
  sector: { x0: number; y0: number; x1: number; y1: number };
  /** Beats per minute used for the wall motion. */
  heartRate: number;
}

/** Clip-level draws: geometry, nuisance and degradation, fixed for all frames of the clip. */
interface ClipParams {
  apexX: number;
  apexY: number;
  depthPx: number;
  halfAngle: number;
  /** Angle beyond which a side of the sector lost contact (signed side), or null. */
  lostContact: { side: number; from: number } | null;
  rot: number;
  scale: number;
  tx: number;
  ty: number;
  gain: number;
  depthSlope: number;
  contrast: number;
  haze: number;
  clutter: number;
  noise: number;
  blurX: number;
  blurY: number;
  speckleMix: number;
  shadows: { angle: number; width: number; strength: number; from: number }[];
  dropouts: { x: number; y: number; r: number; factor: number }[];
  heartRate: number;
  phase0: number;
  respRate: number;
  respPhase: number;
  jitter: Float64Array;
}

export function generatePhantom(options: PhantomOptions): Phantom {
  const { view, seed, frames, height, width } = options;
  const fps = options.fps ?? 30;
  if (!PHANTOM_VIEWS.includes(view)) throw new RangeError(`unknown phantom view "${view}"; expected one of ${PHANTOM_VIEWS.join(', ')}`);
  if (!(options.quality >= 0 && options.quality <= 1)) throw new RangeError(`phantom quality must be in [0, 1], got ${options.quality}`);
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`phantom frames must be a positive integer, got ${frames}`);
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 16 || width < 16 || height * width > 4096 * 4096) {
    throw new RangeError(`phantom size ${width}x${height} is out of range (16..4096 per side)`);
  }
  if (!(fps > 0)) throw new RangeError(`phantom fps must be positive, got ${fps}`);

  const rng = createRng(seed);
  const p = drawClip(rng, options.quality, width, height);
  const overlays = options.overlays ?? rng.chance(0.5);
  const background = smoothField(rng.fork(1), width, height, 6, 0.25);
  const clipSpeckle = new Float32Array(width * height);
  fillSpeckle(rng.fork(2), clipSpeckle);
  const frameRng = rng.fork(3);
  const overlayLevel = rng.int(150, 255);
  const blocks = overlays ? textBlocks(rng.fork(4), width, height, p) : [];

  const maps = clipMaps(p, width, height);
  const out: Uint8Array[] = [];
  const frameSpeckle = new Float32Array(width * height);
  const field = new Float32Array(width * height);
  for (let t = 0; t < frames; t++) {
    const seconds = t / fps;
    const beat = p.phase0 + 2 * Math.PI * (p.heartRate / 60) * seconds;
    const c = 0.5 - 0.5 * Math.cos(beat);
    const resp = Math.sin(p.respPhase + 2 * Math.PI * (p.respRate / 60) * seconds);
    fillSpeckle(frameRng, frameSpeckle);
    renderEchogenicity(field, view, p, maps, { c, resp }, background, clipSpeckle, frameSpeckle, width, height);
    boxBlur(field, width, height, p.blurX, p.blurY);
    const frame = finishFrame(field, p, maps, frameRng);
    if (overlays) {
      drawOverlays(frame, width, height, {
        ecgTop: Math.min(height, Math.ceil(p.apexY + p.depthPx) + 2),
        blocks,
        phase: beat / (2 * Math.PI),
        level: overlayLevel,
      });
    }
    out.push(frame);
  }
  const reach = Math.sin(p.halfAngle) * p.depthPx;
  return {
    frames: out,
    height,
    width,
    fps,
    view,
    quality: options.quality,
    sector: {
      x0: Math.max(0, Math.floor(p.apexX - reach)),
      y0: Math.max(0, Math.floor(p.apexY)),
      x1: Math.min(width - 1, Math.ceil(p.apexX + reach)),
      y1: Math.min(height - 1, Math.ceil(p.apexY + p.depthPx)),
    },
    heartRate: p.heartRate,
  };
}

function drawClip(rng: Rng, quality: number, width: number, height: number): ClipParams {
  const u = 1 - quality;
  // The number of draws never depends on quality, so one seed gives the same anatomy and probe
  // placement at every quality and only the degradation changes.
  const apexY = rng.range(0.03, 0.1) * height;
  const depthPx = Math.min(height - apexY - 1, rng.range(0.82, 0.96) * height - apexY);
  const halfAngle = rng.range(0.55, 0.8);
  const pxScale = Math.max(width, height) / 256;
  const extraBlur = u * rng.range(0, 2.5) * pxScale;
  const shadowCount = Math.floor(u * rng.range(0, 3.6));
  const dropoutCount = Math.floor(u * rng.range(0, 5));
  const lostDraw = rng.next();
  const lostSide = rng.chance(0.5) ? 1 : -1;
  const lostFrom = halfAngle * rng.range(0.15, 0.6);
  const shadows = Array.from({ length: 3 }, () => ({
    angle: rng.signed() * halfAngle,
    width: rng.range(0.04, 0.12),
    strength: rng.range(0.5, 0.95),
    from: rng.range(0.05, 0.5),
  }));
  const dropouts = Array.from({ length: 4 }, () => ({
    x: rng.signed() * 0.3,
    y: rng.range(0.2, 0.8),
    r: rng.range(0.04, 0.1),
    factor: rng.range(0.1, 0.5),
  }));
  return {
    apexX: width / 2 + rng.signed() * 0.04 * width,
    apexY,
    depthPx,
    halfAngle,
    lostContact: u > 0.5 && lostDraw < (u - 0.5) * 1.6 ? { side: lostSide, from: lostFrom } : null,
    rot: rng.signed() * 0.12,
    scale: rng.range(0.85, 1.15),
    tx: rng.signed() * 0.05,
    ty: rng.signed() * 0.05,
    gain: rng.range(0.85, 1.2) * (1 + u * rng.signed() * 0.4),
    depthSlope: rng.range(-0.2, 0.4) + u * rng.range(0, 1.2),
    contrast: 1 - u * rng.range(0.3, 0.6),
    haze: u * rng.range(0.05, 0.3),
    clutter: u * rng.range(0.03, 0.2),
    noise: 0.01 + u * rng.range(0.03, 0.1),
    blurX: Math.max(1, Math.round(rng.range(1, 2) * pxScale + extraBlur)),
    blurY: Math.max(0, Math.round(rng.range(0.4, 1) * pxScale + extraBlur)),
    speckleMix: rng.range(0.2, 0.4),
    shadows: shadows.slice(0, shadowCount),
    dropouts: dropouts.slice(0, dropoutCount),
    heartRate: rng.range(50, 110),
    phase0: rng.range(0, 2 * Math.PI),
    respRate: rng.range(10, 20),
    respPhase: rng.range(0, 2 * Math.PI),
    jitter: Float64Array.from({ length: 64 }, () => rng.signed()),
  };
}

/** Per-pixel maps that stay the same for every frame of a clip (computed once: they dominate the cost). */
interface ClipMaps {
  /** 1 inside the imaged sector. */
  inside: Uint8Array;
  /** Depth-normalised probe coordinates of each pixel centre. */
  probeX: Float32Array;
  probeY: Float32Array;
  /** Near-field clutter added to the echogenicity. */
  haze: Float32Array;
  /** Gain × depth gain × shadows × lost contact × soft sector edge, applied after the PSF. */
  gain: Float32Array;
}

function clipMaps(p: ClipParams, width: number, height: number): ClipMaps {
  const n = width * height;
  const maps: ClipMaps = {
    inside: new Uint8Array(n),
    probeX: new Float32Array(n),
    probeY: new Float32Array(n),
    haze: new Float32Array(n),
    gain: new Float32Array(n),
  };
  const inv = 1 / p.depthPx;
  for (let py = 0; py < height; py++) {
    const Y = (py + 0.5 - p.apexY) * inv;
    for (let px = 0; px < width; px++) {
      const i = py * width + px;
      const X = (px + 0.5 - p.apexX) * inv;
      const r = Math.sqrt(X * X + Y * Y);
      const theta = Math.atan2(X, Y);
      maps.probeX[i] = X;
      maps.probeY[i] = Y;
      if (Y <= 0 || r > 1 || r < 0.03 || Math.abs(theta) > p.halfAngle) continue;
      maps.inside[i] = 1;
      maps.haze[i] = p.haze * Math.exp(-r / 0.15);
      let g = p.gain * Math.exp(-p.depthSlope * r);
      for (const s of p.shadows) {
        if (r > s.from && Math.abs(theta - s.angle) < s.width) g *= 1 - s.strength;
      }
      if (p.lostContact && theta * p.lostContact.side > p.lostContact.from) g *= 0.12;
      // Soft edge of the sector, as the outermost scan lines are weaker.
      maps.gain[i] = g * Math.min(1, (p.halfAngle - Math.abs(theta)) * 40, (1 - r) * 60);
    }
  }
  return maps;
}

/** Fills `field` with echogenicity × speckle inside the sector (0 outside), before the PSF blur. */
function renderEchogenicity(
  field: Float32Array,
  view: PhantomView,
  p: ClipParams,
  maps: ClipMaps,
  phase: { c: number; resp: number },
  background: Float32Array,
  clipSpeckle: Float32Array,
  frameSpeckle: Float32Array,
  width: number,
  height: number,
): void {
  const shapes = buildScene(view, p.jitter, phase).map(compileShape);
  const cos = Math.cos(p.rot);
  const sin = Math.sin(p.rot);
  const ty = p.ty + 0.012 * phase.resp;
  const mean = 0.3;
  const n = width * height;
  for (let i = 0; i < n; i++) {
    if (maps.inside[i] === 0) {
      field[i] = 0;
      continue;
    }
    // Undo the probe placement: translate, rotate about mid-depth, scale.
    const x1 = maps.probeX[i]! - p.tx;
    const y1 = maps.probeY[i]! - ty - 0.5;
    const ax = (x1 * cos + y1 * sin) / p.scale;
    const ay = (-x1 * sin + y1 * cos) / p.scale + 0.5;
    let e = BACKGROUND * background[i]!;
    for (const s of shapes) {
      if (ax < s.x0 || ax > s.x1 || ay < s.y0 || ay > s.y1) continue;
      const v = s.paint(ax, ay);
      if (!Number.isNaN(v)) e = v;
    }
    for (const d of p.dropouts) {
      if ((ax - d.x) ** 2 + (ay - d.y) ** 2 < d.r * d.r) e *= d.factor;
    }
    e = mean + (e - mean) * p.contrast;
    if (e < 0.12) e += p.clutter;
    e += maps.haze[i]!;
    const sp = (1 - p.speckleMix) * clipSpeckle[i]! + p.speckleMix * frameSpeckle[i]!;
    field[i] = Math.max(0, e) * sp;
  }
}

/** Gain maps, log compression and noise; masks to the sector and quantises to 8 bits. */
function finishFrame(field: Float32Array, p: ClipParams, maps: ClipMaps, rng: Rng): Uint8Array {
  const n = field.length;
  const frame = new Uint8Array(n);
  const k = 5;
  const scale = 255 / Math.log1p(k);
  const noise = 255 * p.noise;
  for (let i = 0; i < n; i++) {
    if (maps.inside[i] === 0) continue;
    const out = Math.log1p(k * field[i]! * maps.gain[i]!) * scale + noise * normalTable[(rng.next() * TABLE) | 0]!;
    frame[i] = out <= 0 ? 0 : out >= 255 ? 255 : Math.round(out);
  }
  return frame;
}

const TABLE = 4096;
/** Standard normal quantiles at (i + 0.5) / TABLE: one uniform draw per noisy pixel instead of several. */
const normalTable = Float32Array.from({ length: TABLE }, (_, i) => normalQuantile((i + 0.5) / TABLE));

/** Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9). */
function normalQuantile(q: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155211027];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (q < lo) {
    const t = Math.sqrt(-2 * Math.log(q));
    return (((((c[0]! * t + c[1]!) * t + c[2]!) * t + c[3]!) * t + c[4]!) * t + c[5]!) / ((((d[0]! * t + d[1]!) * t + d[2]!) * t + d[3]!) * t + 1);
  }
  if (q > 1 - lo) return -normalQuantile(1 - q);
  const t = q - 0.5;
  const r = t * t;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * t) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

function textBlocks(rng: Rng, width: number, height: number, p: ClipParams): { x: number; y: number; w: number; h: number }[] {
  const blocks: { x: number; y: number; w: number; h: number }[] = [];
  const h = Math.max(3, Math.round(height * 0.025));
  const n = rng.int(2, 5);
  for (let i = 0; i < n; i++) {
    const w = Math.round(width * rng.range(0.05, 0.15));
    const left = rng.chance(0.5);
    const x = left ? Math.round(width * 0.02) : Math.round(width * 0.98) - w;
    // Keep text clear of the fan's upper corners only roughly: real scanners do overlap sometimes.
    const y = Math.round(p.apexY * 0.2 + i * h * 1.6);
    blocks.push({ x, y, w, h });
  }
  return blocks;
}

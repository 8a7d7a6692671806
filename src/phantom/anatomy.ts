/**
 * Per-view anatomy of the phantom: which chambers, vessels and valves each of the 13 standard echo views
 * shows, where, and how they move through the heart cycle. Layouts follow the textbook appearance of each
 * view (screen convention: LV on the right in apical views, apex to the left in PLAX) so a network has to
 * learn the same cues a sonographer uses: chamber count, outflow tracts, short-axis ring size and content.
 */
import { BLOOD, type Shape, placeShapes } from './shapes.ts';

export const PHANTOM_VIEWS = [
  'AP2',
  'AP3',
  'AP4',
  'AP5',
  'PLAX',
  'RVIF',
  'SUBC4',
  'SUBIVC',
  'PSAXAo',
  'PSAXM',
  'PSAXPM',
  'PSAXAp',
  'SUPRA',
] as const;
export type PhantomView = (typeof PHANTOM_VIEWS)[number];

/** Per-clip anatomical variation: each call returns the next fixed per-clip random times `amount`. */
export type Jitter = (amount: number) => number;

/** Motion state of one frame: c = contraction (0 end-diastole .. 1 end-systole), resp = breathing (-1..1). */
export interface Phase {
  c: number;
  resp: number;
}

const LEAFLET = 0.86;
const PERICARDIUM = 0.95;
const LIVER = 0.4;

const ventricle = (c: number): number => 1 - 0.15 * c;
const atrium = (c: number): number => 0.9 + 0.12 * c;
const thicken = (c: number): number => 1 + 0.35 * c;

/** Two leaflets hinged at h1 and h2: closed they meet in the middle, open they point along `into`. */
function valve(h1: [number, number], h2: [number, number], len: number, open: number, into: [number, number]): Shape[] {
  const leaflet = (from: [number, number], to: [number, number]): Shape => {
    const tx = to[0] - from[0];
    const ty = to[1] - from[1];
    const tl = Math.hypot(tx, ty) || 1;
    let dx = (1 - open) * (tx / tl) + open * into[0];
    let dy = (1 - open) * (ty / tl) + open * into[1];
    const dl = Math.hypot(dx, dy) || 1;
    dx /= dl;
    dy /= dl;
    return { kind: 'segment', x0: from[0], y0: from[1], x1: from[0] + dx * len, y1: from[1] + dy * len, width: 0.013, level: LEAFLET };
  };
  return [leaflet(h1, h2), leaflet(h2, h1)];
}

/** Apical four-chamber core shared by AP4, AP5 and (rotated) SUBC4. */
function fourChambers(k: Jitter, c: number, opts: { outflow: boolean }): Shape[] {
  const apex = 0.12 + k(0.02);
  const av = 0.6 + k(0.03) - 0.05 * c;
  const lvx = 0.11 + k(0.015);
  const rvx = -0.12 + k(0.015);
  const lvHalf = (av - apex) / 2;
  const rvHalf = lvHalf * (0.86 + k(0.05));
  const wall = 0.03 * thicken(c);
  const a = atrium(c);
  const laR = (0.11 + k(0.012)) * a;
  const raR = (0.1 + k(0.012)) * a;
  const shapes: Shape[] = [
    { kind: 'cavity', cx: rvx, cy: av - rvHalf, rx: (0.085 + k(0.01)) * ventricle(c), ry: rvHalf, rot: 0.16, wall: 0.022 },
    { kind: 'cavity', cx: lvx, cy: apex + lvHalf, rx: (0.115 + k(0.01)) * ventricle(c), ry: lvHalf, rot: -0.12, wall },
    { kind: 'cavity', cx: rvx - 0.01, cy: av + 0.02 + raR, rx: raR * 0.95, ry: raR, rot: 0, wall: 0.018 },
    { kind: 'cavity', cx: lvx + 0.01, cy: av + 0.02 + laR, rx: laR, ry: laR * 1.05, rot: 0, wall: 0.018 },
  ];
  if (opts.outflow) {
    shapes.push({ kind: 'cavity', cx: 0.0 + k(0.01), cy: av + 0.05, rx: 0.055, ry: 0.1, rot: 0.1, wall: 0.02 });
    shapes.push(...valve([-0.035, av - 0.03], [0.035, av - 0.03], 0.03, c, [0, 1]));
  }
  shapes.push(...valve([lvx - 0.1, av], [lvx + 0.1, av], 0.08, 1 - c, [0, -1]));
  shapes.push(...valve([rvx - 0.085, av], [rvx + 0.075, av], 0.07, 1 - c, [0, -1]));
  shapes.push({ kind: 'segment', x0: lvx + 0.17, y0: apex + 0.1, x1: lvx + 0.2, y1: av + 0.05, width: 0.02, level: PERICARDIUM });
  return shapes;
}

const BUILDERS: Record<PhantomView, (k: Jitter, p: Phase) => Shape[]> = {
  AP2: (k, { c }) => {
    const apex = 0.12 + k(0.02);
    const av = 0.62 + k(0.03) - 0.05 * c;
    const half = (av - apex) / 2;
    const laR = (0.12 + k(0.015)) * atrium(c);
    const x = k(0.02);
    return [
      { kind: 'cavity', cx: x, cy: apex + half, rx: (0.13 + k(0.012)) * ventricle(c), ry: half, rot: k(0.06), wall: 0.032 * thicken(c) },
      { kind: 'cavity', cx: x + 0.01, cy: av + 0.02 + laR, rx: laR * 1.05, ry: laR, rot: 0, wall: 0.018 },
      { kind: 'cavity', cx: x - 0.15, cy: av + 0.03, rx: 0.03, ry: 0.05, rot: 0.5, wall: 0.012 },
      ...valve([x - 0.11, av], [x + 0.11, av], 0.08, 1 - c, [0, -1]),
      { kind: 'segment', x0: x + 0.19, y0: apex + 0.12, x1: x + 0.2, y1: av + 0.1, width: 0.02, level: PERICARDIUM },
    ];
  },
  AP3: (k, { c }) => {
    const apex = 0.12 + k(0.02);
    const av = 0.6 + k(0.03) - 0.05 * c;
    const half = (av - apex) / 2;
    const laR = (0.11 + k(0.012)) * atrium(c);
    return [
      { kind: 'cavity', cx: 0.03 + k(0.015), cy: apex + half, rx: (0.12 + k(0.01)) * ventricle(c), ry: half, rot: -0.08, wall: 0.032 * thicken(c) },
      { kind: 'cavity', cx: 0.12 + k(0.015), cy: av + 0.02 + laR, rx: laR, ry: laR, rot: 0, wall: 0.018 },
      { kind: 'cavity', cx: -0.13 + k(0.015), cy: av + 0.07, rx: 0.055 * (1 + 0.05 * c), ry: 0.17, rot: 0.55 + k(0.08), wall: 0.022 },
      ...valve([-0.085, av - 0.01], [-0.02, av - 0.005], 0.035, c, [-0.5, 0.87]),
      ...valve([0.03, av], [0.22, av], 0.08, 1 - c, [0, -1]),
    ];
  },
  AP4: (k, { c }) => fourChambers(k, c, { outflow: false }),
  AP5: (k, { c }) => fourChambers(k, c, { outflow: true }),
  PLAX: (k, { c }) => {
    const v = ventricle(c);
    const y = 0.5 + k(0.03);
    const laR = (0.1 + k(0.012)) * atrium(c);
    return [
      { kind: 'segment', x0: -0.5, y0: 0.16 + k(0.02), x1: 0.5, y1: 0.15 + k(0.02), width: 0.03, level: 0.55 },
      { kind: 'cavity', cx: -0.04, cy: y - 0.2, rx: 0.27, ry: (0.065 + k(0.01)) * v, rot: 0.08, wall: 0.02 },
      { kind: 'cavity', cx: -0.12 + k(0.02), cy: y, rx: 0.3, ry: (0.12 + k(0.012)) * v, rot: 0.1 + k(0.04), wall: 0.04 * thicken(c) },
      { kind: 'cavity', cx: 0.27 + k(0.02), cy: y - 0.12, rx: 0.16, ry: 0.06 * (1 + 0.05 * c), rot: -0.05, wall: 0.02 },
      { kind: 'cavity', cx: 0.27 + k(0.02), cy: y + 0.05 + laR, rx: laR * 1.1, ry: laR, rot: 0, wall: 0.018 },
      ...valve([0.12, y - 0.15], [0.12, y - 0.09], 0.04, c, [1, 0]),
      ...valve([0.15, y - 0.06], [0.15, y + 0.07], 0.08, 1 - c, [-1, 0.1]),
      { kind: 'segment', x0: -0.45, y0: y + 0.2, x1: 0.45, y1: y + 0.27, width: 0.025, level: PERICARDIUM },
      { kind: 'cavity', cx: 0.2 + k(0.03), cy: y + 0.33, rx: 0.04, ry: 0.04, rot: 0, wall: 0.015 },
    ];
  },
  RVIF: (k, { c }) => {
    const v = ventricle(c);
    const raR = (0.12 + k(0.012)) * atrium(c);
    return [
      { kind: 'segment', x0: -0.5, y0: 0.17, x1: 0.5, y1: 0.14, width: 0.03, level: 0.55 },
      { kind: 'cavity', cx: -0.08 + k(0.02), cy: 0.42 + k(0.02), rx: (0.21 + k(0.015)) * v, ry: (0.12 + k(0.01)) * v, rot: 0.4 + k(0.06), wall: 0.025 },
      { kind: 'cavity', cx: 0.14 + k(0.02), cy: 0.7 + k(0.02), rx: raR * 1.15, ry: raR, rot: 0.25, wall: 0.018 },
      ...valve([0.0, 0.62], [0.12, 0.5], 0.08, 1 - c, [-0.7, -0.7]),
      { kind: 'cavity', cx: 0.33, cy: 0.8, rx: 0.12, ry: 0.035, rot: -0.4, wall: 0.012 },
      { kind: 'segment', x0: -0.4, y0: 0.62, x1: -0.05, y1: 0.88, width: 0.022, level: PERICARDIUM },
    ];
  },
  SUBC4: (k, p) => [
    { kind: 'solid', cx: -0.25 + k(0.04), cy: 0.18, rx: 0.55, ry: 0.22, rot: -0.35, level: LIVER },
    { kind: 'segment', x0: -0.55, y0: 0.5, x1: 0.3, y1: 0.18, width: 0.025, level: PERICARDIUM },
    ...placeShapes(fourChambers(k, p.c, { outflow: false }), {
      origin: [0, 0.48],
      dx: 0.02 + k(0.03),
      dy: 0.6 + k(0.03),
      scale: 0.75 + k(0.05),
      // Apex to the right, RV in the near field under the liver, atria to the left.
      rot: 1.15 + k(0.1),
    }),
  ],
  SUBIVC: (k, { c, resp }) => {
    const ivc = (0.065 + k(0.01)) * (1 - 0.25 * (resp + 1) * 0.5);
    const y = 0.55 + k(0.04);
    return [
      { kind: 'solid', cx: k(0.05), cy: 0.42, rx: 0.75, ry: 0.45, rot: 0, level: LIVER },
      { kind: 'cavity', cx: -0.06, cy: y, rx: 0.4, ry: ivc, rot: -0.08 + k(0.05), wall: 0.015, wallLevel: 0.75 },
      { kind: 'cavity', cx: -0.12 + k(0.03), cy: y - 0.15, rx: 0.17, ry: 0.035, rot: 0.65 + k(0.1), wall: 0.01 },
      { kind: 'cavity', cx: 0.36, cy: y - 0.05, rx: 0.11 * atrium(c), ry: 0.09 * atrium(c), rot: 0.2, wall: 0.018 },
      { kind: 'segment', x0: -0.1, y0: y + 0.2, x1: 0.55, y1: y - 0.12, width: 0.03, level: PERICARDIUM },
    ];
  },
  PSAXAo: (k, { c }) => {
    const cx = k(0.02);
    const cy = 0.52 + k(0.03);
    const r = 0.085 + k(0.01);
    const open = c;
    // Three cusps: a "Mercedes" Y when closed, a triangle opening when open.
    const cusps: Shape[] = [0, 1, 2].map((i) => {
      const a = -Math.PI / 2 + (i * 2 * Math.PI) / 3 + Math.PI / 3;
      const len = r * (1 - 0.65 * open);
      return {
        kind: 'segment',
        x0: cx + Math.cos(a) * r,
        y0: cy + Math.sin(a) * r,
        x1: cx + Math.cos(a) * (r - len),
        y1: cy + Math.sin(a) * (r - len),
        width: 0.012,
        level: LEAFLET,
      };
    });
    return [
      { kind: 'arc', cx, cy, r: r + 0.1, width: 0.08, wall: 0.018, a0: Math.PI * 0.95, a1: Math.PI * 2.15, level: BLOOD },
      { kind: 'cavity', cx: cx + 0.24, cy: cy + 0.08, rx: 0.05, ry: 0.11, rot: 0.35, wall: 0.018 },
      { kind: 'cavity', cx: cx + 0.02, cy: cy + 0.25, rx: 0.16 * atrium(c), ry: 0.08, rot: 0, wall: 0.018 },
      { kind: 'cavity', cx: cx - 0.2, cy: cy + 0.14, rx: 0.085, ry: 0.1 * atrium(c), rot: 0.3, wall: 0.018 },
      { kind: 'cavity', cx, cy, rx: r, ry: r, rot: 0, wall: 0.022, wallLevel: 0.75 },
      ...cusps,
    ];
  },
  PSAXM: (k, { c }) => {
    const cx = k(0.02);
    const cy = 0.55 + k(0.03);
    const r = (0.19 + k(0.015)) * ventricle(c);
    const gap = 0.015 + 0.06 * (1 - c);
    return [
      { kind: 'cavity', cx: cx - 0.03, cy: cy - r - 0.02, rx: r * 1.35, ry: 0.1, rot: -0.15, wall: 0.02 },
      { kind: 'cavity', cx, cy, rx: r, ry: r * 0.95, rot: 0, wall: 0.035 * thicken(c) },
      { kind: 'arc', cx, cy: cy + gap + 0.08, r: 0.13, width: 0.014, wall: 0, a0: Math.PI * 1.2, a1: Math.PI * 1.8, level: LEAFLET },
      { kind: 'arc', cx, cy: cy - gap - 0.08, r: 0.13, width: 0.014, wall: 0, a0: Math.PI * 0.25, a1: Math.PI * 0.75, level: LEAFLET },
    ];
  },
  PSAXPM: (k, { c }) => {
    const cx = k(0.02);
    const cy = 0.55 + k(0.03);
    const r = (0.17 + k(0.015)) * ventricle(c);
    const pm = 0.045 + k(0.008);
    return [
      { kind: 'cavity', cx: cx - 0.04, cy: cy - r - 0.02, rx: r * 1.3, ry: 0.085, rot: -0.2, wall: 0.02 },
      { kind: 'cavity', cx, cy, rx: r, ry: r, rot: 0, wall: 0.04 * thicken(c) },
      { kind: 'solid', cx: cx - r * 0.55, cy: cy + r * 0.55, rx: pm, ry: pm * 1.2, rot: 0.6, level: 0.7 },
      { kind: 'solid', cx: cx + r * 0.6, cy: cy + r * 0.45, rx: pm, ry: pm * 1.2, rot: -0.6, level: 0.7 },
    ];
  },
  PSAXAp: (k, { c }) => {
    const cx = k(0.03);
    const cy = 0.5 + k(0.04);
    const r = (0.095 + k(0.012)) * ventricle(c);
    return [
      { kind: 'cavity', cx: cx - 0.05, cy: cy - 0.13, rx: 0.12, ry: 0.045, rot: -0.2, wall: 0.018 },
      { kind: 'cavity', cx, cy, rx: r, ry: r, rot: 0, wall: 0.06 * thicken(c) },
      { kind: 'arc', cx, cy, r: r + 0.11, width: 0.02, wall: 0, a0: Math.PI * 0.1, a1: Math.PI * 0.9, level: PERICARDIUM },
    ];
  },
  SUPRA: (k, { c }) => {
    const cx = k(0.03);
    const cy = 0.62 + k(0.03);
    const R = 0.28 + k(0.02);
    const w = 0.085 * (1 + 0.05 * c);
    const branch = (x: number): Shape => ({ kind: 'cavity', cx: cx + x, cy: cy - R - 0.11, rx: 0.022, ry: 0.08, rot: x * 0.8, wall: 0.01 });
    return [
      branch(-0.12),
      branch(0.0),
      branch(0.11),
      { kind: 'arc', cx, cy, r: R, width: w, wall: 0.02, a0: Math.PI * 0.95, a1: Math.PI * 2.1, level: BLOOD },
      { kind: 'cavity', cx: cx + 0.01, cy: cy + 0.02, rx: 0.075, ry: 0.065, rot: 0, wall: 0.018 },
      { kind: 'cavity', cx: cx + 0.02, cy: cy + 0.22, rx: 0.13, ry: 0.06 * atrium(c), rot: 0, wall: 0.018 },
    ];
  },
};

export function buildScene(view: PhantomView, perClip: Float64Array, phase: Phase): Shape[] {
  let i = 0;
  const k: Jitter = (amount) => perClip[i++ % perClip.length]! * amount;
  return BUILDERS[view](k, phase);
}

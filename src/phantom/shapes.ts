/**
 * Geometric primitives of the phantom's anatomy, in anatomical coordinates: x lateral (right of screen
 * positive), y depth from the probe (0 at the apex of the sector, 1 at its nominal depth).
 * Each primitive paints an echogenicity (0 black .. 1 brightest reflector); later shapes paint over earlier
 * ones, so a ventricle drawn after another leaves its wall as the septum between them.
 */
export const BLOOD = 0.03;
export const MYOCARDIUM = 0.62;
export const BACKGROUND = 0.22;

export type Shape =
  /** Blood pool with a wall band of thickness `wall` around it (chambers, vessels seen in cross-section). */
  | { kind: 'cavity'; cx: number; cy: number; rx: number; ry: number; rot: number; wall: number; wallLevel?: number }
  /** A filled ellipse of tissue (liver, papillary muscle). */
  | { kind: 'solid'; cx: number; cy: number; rx: number; ry: number; rot: number; level: number }
  /** A thick line (valve leaflet, pericardium, diaphragm). */
  | { kind: 'segment'; x0: number; y0: number; x1: number; y1: number; width: number; level: number }
  /** A circular band from angle a0 to a1 (radians, y down): a curved vessel when level is BLOOD, else a bright curve. */
  | { kind: 'arc'; cx: number; cy: number; r: number; width: number; wall: number; a0: number; a1: number; level: number };

/** A shape ready to rasterise: its bounding box and a point test returning the painted level or NaN. */
export interface CompiledShape {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  paint(x: number, y: number): number;
}

export function compileShape(shape: Shape): CompiledShape {
  switch (shape.kind) {
    case 'cavity':
      return compileEllipse(shape.cx, shape.cy, shape.rx, shape.ry, shape.rot, shape.wall, BLOOD, shape.wallLevel ?? MYOCARDIUM);
    case 'solid':
      return compileEllipse(shape.cx, shape.cy, shape.rx, shape.ry, shape.rot, 0, shape.level, shape.level);
    case 'segment':
      return compileSegment(shape);
    case 'arc':
      return compileArc(shape);
  }
}

function compileEllipse(
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  rot: number,
  wall: number,
  inner: number,
  wallLevel: number,
): CompiledShape {
  const cos = Math.cos(rot);
  const sin = Math.sin(rot);
  const irx = 1 / rx;
  const iry = 1 / ry;
  const orx = 1 / (rx + wall);
  const ory = 1 / (ry + wall);
  const reach = Math.max(rx, ry) + wall;
  return {
    x0: cx - reach,
    y0: cy - reach,
    x1: cx + reach,
    y1: cy + reach,
    paint(x, y) {
      const dx = x - cx;
      const dy = y - cy;
      const u = dx * cos + dy * sin;
      const v = -dx * sin + dy * cos;
      const outer = (u * orx) ** 2 + (v * ory) ** 2;
      if (outer > 1) return Number.NaN;
      return (u * irx) ** 2 + (v * iry) ** 2 <= 1 ? inner : wallLevel;
    },
  };
}

function compileSegment(s: Extract<Shape, { kind: 'segment' }>): CompiledShape {
  const ex = s.x1 - s.x0;
  const ey = s.y1 - s.y0;
  const len2 = ex * ex + ey * ey || 1e-12;
  const half2 = (s.width / 2) ** 2;
  const pad = s.width / 2;
  return {
    x0: Math.min(s.x0, s.x1) - pad,
    y0: Math.min(s.y0, s.y1) - pad,
    x1: Math.max(s.x0, s.x1) + pad,
    y1: Math.max(s.y0, s.y1) + pad,
    paint(x, y) {
      const t = Math.min(1, Math.max(0, ((x - s.x0) * ex + (y - s.y0) * ey) / len2));
      const dx = x - (s.x0 + t * ex);
      const dy = y - (s.y0 + t * ey);
      return dx * dx + dy * dy <= half2 ? s.level : Number.NaN;
    },
  };
}

function compileArc(s: Extract<Shape, { kind: 'arc' }>): CompiledShape {
  const reach = s.r + s.width / 2 + s.wall;
  const twoPi = 2 * Math.PI;
  const a0 = ((s.a0 % twoPi) + twoPi) % twoPi;
  const span = s.a1 - s.a0;
  return {
    x0: s.cx - reach,
    y0: s.cy - reach,
    x1: s.cx + reach,
    y1: s.cy + reach,
    paint(x, y) {
      const dx = x - s.cx;
      const dy = y - s.cy;
      const off = Math.abs(Math.sqrt(dx * dx + dy * dy) - s.r);
      if (off > s.width / 2 + s.wall) return Number.NaN;
      const a = (((Math.atan2(dy, dx) - a0) % twoPi) + twoPi) % twoPi;
      if (a > span) return Number.NaN;
      return off <= s.width / 2 ? s.level : MYOCARDIUM;
    },
  };
}

/** Moves, scales and rotates a group of shapes (used to re-use a layout inside another view). */
export function placeShapes(
  shapes: Shape[],
  at: { origin: [number, number]; dx: number; dy: number; scale: number; rot: number },
): Shape[] {
  const cos = Math.cos(at.rot);
  const sin = Math.sin(at.rot);
  // The layout's `origin` lands on (dx, dy); everything else turns and scales about it.
  const px = (x: number, y: number): [number, number] => {
    const u = x - at.origin[0];
    const v = y - at.origin[1];
    return [at.dx + at.scale * (u * cos - v * sin), at.dy + at.scale * (u * sin + v * cos)];
  };
  return shapes.map((s): Shape => {
    if (s.kind === 'cavity' || s.kind === 'solid') {
      const [cx, cy] = px(s.cx, s.cy);
      const moved = { cx, cy, rx: s.rx * at.scale, ry: s.ry * at.scale, rot: s.rot + at.rot };
      return s.kind === 'cavity' ? { ...s, ...moved, wall: s.wall * at.scale } : { ...s, ...moved };
    }
    if (s.kind === 'segment') {
      const [x0, y0] = px(s.x0, s.y0);
      const [x1, y1] = px(s.x1, s.y1);
      return { ...s, x0, y0, x1, y1, width: s.width * at.scale };
    }
    const [cx, cy] = px(s.cx, s.cy);
    return { ...s, cx, cy, r: s.r * at.scale, width: s.width * at.scale, wall: s.wall * at.scale, a0: s.a0 + at.rot, a1: s.a1 + at.rot };
  });
}

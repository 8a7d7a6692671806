import { isNumericClass } from './classes.ts';
import type { Located } from './locate.ts';
import type { CharNode, MatNode, MatVariable, NumericNode } from './nodes.ts';
import { elementCount } from './nodes.ts';

/** How a reader gets the few small values the hints need (a scalar, a short string). */
export interface ValueReader<D> {
  scalar(node: NumericNode<D>): Promise<number>;
  /** The text of a 1×N char array (at most a few kB of it). */
  text(node: CharNode<D>): Promise<string>;
}

/**
 * Frame-rate fields, matched case-insensitively: in the struct that holds the cine, then as top-level
 * variables. `FrameTime` is DICOM's Frame Time (0018,1063), in milliseconds per frame.
 */
const FPS_FIELDS: Readonly<Record<string, (v: number) => number>> = {
  framerate: (v) => v,
  frame_rate: (v) => v,
  fps: (v) => v,
  cinerate: (v) => v,
  recommendeddisplayframerate: (v) => v,
  frametime: (v) => 1000 / v,
};

const MAX_FPS = 10_000;

export function isRealScalar<D>(node: MatNode<D>): node is NumericNode<D> {
  return node.kind === 'numeric' && !node.complex && elementCount(node.dims) === 1;
}

function fpsFrom(name: string, value: number): number | null {
  const rule = FPS_FIELDS[name.toLowerCase()];
  if (!rule || !Number.isFinite(value) || value <= 0) return null;
  const fps = rule(value);
  return Number.isFinite(fps) && fps > 0 && fps <= MAX_FPS ? fps : null;
}

/** The frame rate the file states, and where it was found; null when it states none. */
export async function findFps<D>(
  located: Located<D>,
  vars: readonly MatVariable<D>[],
  read: ValueReader<D>,
): Promise<{ fps: number; source: string } | null> {
  const parent = located.path.includes('.') ? located.path.slice(0, located.path.lastIndexOf('.')) : '';
  for (const [name, node] of located.siblings ?? []) {
    if (!isRealScalar(node)) continue;
    const fps = fpsFrom(name, await read.scalar(node));
    if (fps !== null) return { fps, source: parent ? `${parent}.${name}` : name };
  }
  for (const v of vars) {
    if (FPS_FIELDS[v.name.toLowerCase()] === undefined || !isNumericClass(v.classId) || v.complex) continue;
    if (elementCount(v.dims) !== 1) continue;
    const node = await v.load();
    if (!isRealScalar(node)) continue;
    const fps = fpsFrom(v.name, await read.scalar(node));
    if (fps !== null) return { fps, source: v.name };
  }
  return null;
}

/**
 * Whether the struct holding the cine says its image is colour: a `PhotometricInterpretation` of RGB or
 * YBR_* (as copied from a DICOM header), or `SamplesPerPixel` 3. Used only to read an H×W×3 array as one
 * RGB frame rather than three grey frames.
 */
export async function saysColour<D>(located: Located<D>, read: ValueReader<D>): Promise<boolean> {
  for (const [name, node] of located.siblings ?? []) {
    const key = name.toLowerCase();
    if (key === 'photometricinterpretation' && node.kind === 'char') {
      const text = (await read.text(node)).trim().toUpperCase();
      if (text.startsWith('RGB') || text.startsWith('YBR')) return true;
    }
    if (key === 'samplesperpixel' && isRealScalar(node) && (await read.scalar(node)) === 3) return true;
  }
  return false;
}

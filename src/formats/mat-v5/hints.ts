import { readExact } from './bytes.ts';
import { isNumericClass, MI_SIZE } from './constants.ts';
import type { MatContext } from './context.ts';
import type { Located } from './locate.ts';
import type { CharNode, MatNode, NumericNode } from './nodes.ts';
import { elementCount } from './nodes.ts';
import { decodeSamples, decodeText } from './numeric.ts';
import type { TopLevelVariable } from './variables.ts';

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

export async function readScalar(node: NumericNode, ctx: MatContext): Promise<number> {
  const size = MI_SIZE[node.data.type]!;
  const raw = await readExact(node.data.bytes, node.data.offset, size, node.data.offset + node.data.length, ctx, 'a scalar');
  return decodeSamples(raw, node.data.type, ctx.littleEndian)[0]!;
}

const MAX_TEXT = 4096;

/** The text of a char array (stored column-major: fine for the 1×N strings read here). */
export async function readText(node: CharNode, ctx: MatContext): Promise<string> {
  const length = Math.min(node.data.length, MAX_TEXT);
  const raw = await readExact(node.data.bytes, node.data.offset, length, node.data.offset + node.data.length, ctx, 'a string');
  return decodeText(raw, node.data.type, ctx.littleEndian);
}

function isRealScalar(node: MatNode): node is NumericNode {
  return node.kind === 'numeric' && !node.complex && elementCount(node.dims) === 1;
}

function fpsFrom(name: string, value: number): number | null {
  const rule = FPS_FIELDS[name.toLowerCase()];
  if (!rule || !Number.isFinite(value) || value <= 0) return null;
  const fps = rule(value);
  return Number.isFinite(fps) && fps > 0 && fps <= MAX_FPS ? fps : null;
}

/** The frame rate the file states, and where it was found; null when it states none. */
export async function findFps(
  located: Located,
  vars: readonly TopLevelVariable[],
  ctx: MatContext,
): Promise<{ fps: number; source: string } | null> {
  const parent = located.path.includes('.') ? located.path.slice(0, located.path.lastIndexOf('.')) : '';
  for (const [name, node] of located.siblings ?? []) {
    if (!isRealScalar(node)) continue;
    const fps = fpsFrom(name, await readScalar(node, ctx));
    if (fps !== null) return { fps, source: parent ? `${parent}.${name}` : name };
  }
  for (const v of vars) {
    if (FPS_FIELDS[v.name.toLowerCase()] === undefined || !isNumericClass(v.classId) || v.complex) continue;
    if (elementCount(v.dims) !== 1) continue;
    const node = await v.load();
    if (!isRealScalar(node)) continue;
    const fps = fpsFrom(v.name, await readScalar(node, ctx));
    if (fps !== null) return { fps, source: v.name };
  }
  return null;
}

/**
 * Whether the struct holding the cine says its image is colour: a `PhotometricInterpretation` of RGB or
 * YBR_* (as copied from a DICOM header), or `SamplesPerPixel` 3. Used only to read an H×W×3 array as one
 * RGB frame rather than three grey frames.
 */
export async function saysColour(located: Located, ctx: MatContext): Promise<boolean> {
  for (const [name, node] of located.siblings ?? []) {
    const key = name.toLowerCase();
    if (key === 'photometricinterpretation' && node.kind === 'char') {
      const text = (await readText(node, ctx)).trim().toUpperCase();
      if (text.startsWith('RGB') || text.startsWith('YBR')) return true;
    }
    if (key === 'samplesperpixel' && isRealScalar(node) && (await readScalar(node, ctx)) === 3) return true;
  }
  return false;
}

import * as Common from '../mat-common/hints.ts';
import type { Located } from '../mat-common/locate.ts';
import type { MatVariable } from '../mat-common/nodes.ts';
import { readExact } from './bytes.ts';
import { MI_SIZE } from './constants.ts';
import type { MatContext } from './context.ts';
import type { CharNode, DataRef, NumericNode } from './nodes.ts';
import { decodeSamples, decodeText } from './numeric.ts';

// The frame-rate and colour rules are shared with the v7.3 reader (src/formats/mat-common/hints.ts);
// this file only reads the values out of the Level 5 file.

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

function valueReader(ctx: MatContext): Common.ValueReader<DataRef> {
  return { scalar: (node) => readScalar(node, ctx), text: (node) => readText(node, ctx) };
}

/** The frame rate the file states, and where it was found; null when it states none. */
export function findFps(
  located: Located<DataRef>,
  vars: readonly MatVariable<DataRef>[],
  ctx: MatContext,
): Promise<{ fps: number; source: string } | null> {
  return Common.findFps(located, vars, valueReader(ctx));
}

/** Whether the struct holding the cine says its image is colour (see mat-common/hints.ts). */
export function saysColour(located: Located<DataRef>, ctx: MatContext): Promise<boolean> {
  return Common.saysColour(located, valueReader(ctx));
}

import { EchoError } from '../../errors/catalogue.ts';
import { type MatFile, unsupported } from './errors.ts';
import { dimsText, elementCount } from './nodes.ts';

/** How a MATLAB array (column-major) maps to frames of H×W×C. */
export interface Layout {
  frames: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** `HxW`, `HxWxF`, `HxWx3`, `HxWx1xF` or `HxWx3xF`, for metadata. */
  name: string;
}

/**
 * Layout rules (docs/formats.md), for MATLAB dimensions as `size(x)` reports them:
 * - H×W: one grey frame.
 * - H×W×F: F grey frames. H×W×3 is read as one RGB frame only when `colour` says so (the struct holding
 *   the cine has PhotometricInterpretation RGB/YBR* or SamplesPerPixel 3), otherwise as three grey frames:
 *   a grey cine is far more common than a colour still, and the two cannot be told apart by shape.
 * - H×W×C×F with C = 3: RGB frames; C = 1: grey frames. Any other C is unsupported.
 * - More than 4 dimensions: trailing singleton dimensions are dropped first (MATLAB never writes them,
 *   other writers may); what remains must fit one of the above.
 */
export function layoutOf(dims: readonly number[], colour: boolean, ctx: Pick<MatFile, 'file'>, path: string): Layout {
  const d = [...dims];
  while (d.length > 4 && d[d.length - 1] === 1) d.pop();
  if (elementCount(d) === 0) {
    throw new EchoError('CINE_NO_VARIABLE', `the cine ${path} in MAT file "${ctx.file}" is empty (${dimsText(dims)})`, {
      details: { file: ctx.file },
    });
  }
  const [h, w, a, b] = d as [number, number, number?, number?];
  if (d.length === 2) return { frames: 1, height: h, width: w, channels: 1, name: 'HxW' };
  if (d.length === 3) {
    if (a === 3 && colour) return { frames: 1, height: h, width: w, channels: 3, name: 'HxWx3' };
    return { frames: a!, height: h, width: w, channels: 1, name: 'HxWxF' };
  }
  if (d.length === 4 && (a === 1 || a === 3)) {
    return { frames: b!, height: h, width: w, channels: a, name: a === 3 ? 'HxWx3xF' : 'HxWx1xF' };
  }
  throw unsupported(
    ctx,
    `the cine ${path} is ${dimsText(dims)}; supported layouts are H×W, H×W×F, H×W×3 (colour), H×W×3×F and H×W×1×F`,
  );
}

/** 3-D, or 4-D with 1 or 3 channels (trailing singletons past the fourth ignored), and not empty. */
export function isCineShape(dims: readonly number[]): boolean {
  const d = [...dims];
  while (d.length > 4 && d[d.length - 1] === 1) d.pop();
  return (d.length === 3 || (d.length === 4 && (d[2] === 1 || d[2] === 3))) && elementCount(d) > 0;
}

import { EchoError } from '../../errors/catalogue.ts';
import { isNumericClass, MX } from './classes.ts';
import { type MatFile, unsupported } from './errors.ts';
import { isCineShape } from './layout.ts';
import type { MatNode, MatVariable, NumericNode, StructNode } from './nodes.ts';
import { describe, elementCount } from './nodes.ts';

/** The cine variable and the struct element it sits in (whose other fields may give fps or colour). */
export interface Located<D> {
  node: NumericNode<D>;
  /** Dotted path, e.g. `Patient.DicomImage`. */
  path: string;
  siblings: Map<string, MatNode<D>> | null;
}

export const ACCEPTED =
  'Patient.DicomImage (Patient a 1×1 struct), then resized, then the largest 3-D/4-D numeric array ' +
  '(H×W×F, H×W×1×F or H×W×3×F); ' +
  'or name one with the variable option (e.g. Study.Clips.Cine)';

type Ctx = Pick<MatFile, 'file'>;

/**
 * Finds the cine (both MAT readers): `variable` when given (a dotted path, struct arrays indexed as
 * `Series(2)`, cells as `Clips{1}`), else `Patient.DicomImage`, else `resized`, else the largest real
 * numeric array anywhere in the file whose shape is a cine layout (3-D, or 4-D with 1 or 3 channels);
 * the first one wins a tie.
 */
export async function locateCine<D>(vars: MatVariable<D>[], ctx: Ctx, variable?: string): Promise<Located<D>> {
  if (variable !== undefined) return locatePath(vars, ctx, variable);

  const patient = vars.find((v) => v.name === 'Patient');
  if (patient && patient.classId === MX.STRUCT && elementCount(patient.dims) === 1) {
    const node = await patient.load();
    const fields = node.kind === 'struct' ? node.elements[0] : undefined;
    const image = fields?.get('DicomImage');
    if (fields && image) return { node: requireNumeric(image, 'Patient.DicomImage', ctx), path: 'Patient.DicomImage', siblings: fields };
  }
  const resized = vars.find((v) => v.name === 'resized');
  if (resized) return { node: requireNumeric(await resized.load(), 'resized', ctx), path: 'resized', siblings: null };

  return locateLargest(vars, ctx);
}

interface Best<D> {
  count: number;
  path: string;
  top: MatVariable<D>;
  found?: Located<D>;
}

async function locateLargest<D>(vars: MatVariable<D>[], ctx: Ctx): Promise<Located<D>> {
  let best: Best<D> | null = null;
  const consider = (count: number, path: string, top: MatVariable<D>, found?: Located<D>): void => {
    if (best === null || count > best.count) best = found ? { count, path, top, found } : { count, path, top };
  };
  const walk = (node: MatNode<D>, path: string, top: MatVariable<D>, siblings: Map<string, MatNode<D>> | null): void => {
    if (node.kind === 'numeric' && !node.complex && isCineShape(node.dims)) {
      consider(elementCount(node.dims), path, top, { node, path, siblings });
    } else if (node.kind === 'struct') {
      for (const [i, fields] of node.elements.entries()) {
        for (const [field, child] of fields) {
          walk(child, node.elements.length === 1 ? `${path}.${field}` : `${path}(${i + 1}).${field}`, top, fields);
        }
      }
    } else if (node.kind === 'cell') {
      for (const [i, child] of node.elements.entries()) walk(child, `${path}{${i + 1}}`, top, null);
    }
  };
  for (const v of vars) {
    if (isNumericClass(v.classId)) {
      // A top-level array's header says enough; it is loaded only if it wins.
      if (!v.complex && isCineShape(v.dims)) consider(elementCount(v.dims), v.name, v);
    } else if (v.classId === MX.STRUCT || v.classId === MX.CELL) {
      walk(await v.load(), v.name, v, null);
    }
  }
  const chosen = best as Best<D> | null;
  if (chosen === null) throw noVariable(ctx, vars, `no cine in MAT file "${ctx.file}"`);
  if (chosen.found) return chosen.found;
  return { node: requireNumeric(await chosen.top.load(), chosen.path, ctx), path: chosen.path, siblings: null };
}

interface Segment {
  name: string;
  index?: { brace: boolean; n: number };
}

const SEGMENT = /^([A-Za-z][A-Za-z0-9_]*)(?:\((\d+)\)|\{(\d+)\})?$/;

function parsePath(variable: string, ctx: Ctx): Segment[] {
  const segments: Segment[] = [];
  for (const part of variable.split('.')) {
    const m = SEGMENT.exec(part);
    if (!m) {
      throw new EchoError(
        'CINE_NO_VARIABLE',
        `variable path "${variable}" for MAT file "${ctx.file}" is not valid: use MATLAB names joined by dots, ` +
          'with (k) for a struct array element and {k} for a cell, e.g. Study.Clips(2).Cine',
        { details: { file: ctx.file, variable } },
      );
    }
    const n = m[2] ?? m[3];
    segments.push(n === undefined ? { name: m[1]! } : { name: m[1]!, index: { brace: m[3] !== undefined, n: Number(n) } });
  }
  return segments;
}

async function locatePath<D>(vars: MatVariable<D>[], ctx: Ctx, variable: string): Promise<Located<D>> {
  const segments = parsePath(variable, ctx);
  const missing = (what: string): EchoError => noVariable(ctx, vars, `variable "${variable}" not found in MAT file "${ctx.file}": ${what}`);
  const top = vars.find((v) => v.name === segments[0]!.name);
  if (!top) throw missing(`there is no top-level variable "${segments[0]!.name}"`);
  let node: MatNode<D> = await top.load();
  let siblings: Map<string, MatNode<D>> | null = null;
  let path = '';
  for (const [i, seg] of segments.entries()) {
    if (i > 0) {
      if (node.kind !== 'struct') throw missing(`${path} is a ${describe(node)}, not a struct`);
      if (node.elements.length !== 1) throw missing(`${path} is a ${describe(node)} array: index it, e.g. ${path}(1).${seg.name}`);
      const fields: Map<string, MatNode<D>> = node.elements[0]!;
      const child = fields.get(seg.name);
      if (!child) throw missing(`${path} has no field "${seg.name}" (fields: ${[...fields.keys()].join(', ') || 'none'})`);
      node = child;
      siblings = fields;
    }
    path = i === 0 ? seg.name : `${path}.${seg.name}`;
    if (seg.index) {
      const { brace, n } = seg.index;
      const label = brace ? `{${n}}` : `(${n})`;
      if (brace ? node.kind !== 'cell' : node.kind !== 'struct') {
        throw missing(`${path} is a ${describe(node)}; ${label} indexes a ${brace ? 'cell array' : 'struct array'}`);
      }
      const list: unknown[] = node.kind === 'cell' || node.kind === 'struct' ? node.elements : [];
      if (n < 1 || n > list.length) throw missing(`${path}${label} is out of range 1..${list.length}`);
      if (node.kind === 'cell') {
        node = node.elements[n - 1]!;
        siblings = null;
      } else if (node.kind === 'struct') {
        const one: StructNode<D> = { ...node, dims: [1, 1], elements: [node.elements[n - 1]!] };
        node = one;
      }
      path += label;
    }
  }
  return { node: requireNumeric(node, path, ctx), path, siblings };
}

function requireNumeric<D>(node: MatNode<D>, path: string, ctx: Ctx): NumericNode<D> {
  if (node.kind === 'numeric') {
    if (node.complex) {
      throw unsupported(ctx, `the cine ${path} (${describe(node)}) is complex-valued; a cine must be real (take abs() or real() before saving)`);
    }
    return node;
  }
  if (node.kind === 'empty') {
    throw new EchoError('CINE_NO_VARIABLE', `the cine ${path} in MAT file "${ctx.file}" is empty`, { details: { file: ctx.file } });
  }
  throw unsupported(ctx, `the cine ${path} is a ${describe(node)}; a cine must be a numeric or logical array`);
}

/** `Patient (1×1 struct), b (1×4 char)`: what the file holds, for the message. */
export function variablesSeen<D>(vars: readonly MatVariable<D>[]): string {
  if (vars.length === 0) return 'none';
  const shown = vars.slice(0, 20).map((v) => `${v.name} (${describe(v)})`);
  return shown.join(', ') + (vars.length > 20 ? `, and ${vars.length - 20} more` : '');
}

function noVariable<D>(ctx: Ctx, vars: readonly MatVariable<D>[], what: string): EchoError {
  return new EchoError('CINE_NO_VARIABLE', `${what}; variables seen: ${variablesSeen(vars)}; accepted: ${ACCEPTED}`, {
    details: { file: ctx.file, variables: vars.map((v) => v.name) },
  });
}

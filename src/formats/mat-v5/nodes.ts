import type { Bytes } from './bytes.ts';

/** Where an element's values lie, not yet read: pixel data is decoded frame by frame on demand. */
export interface DataRef {
  bytes: Bytes;
  offset: number;
  length: number;
  /** The stored data element type (`mi*`), which may be smaller than the class. */
  type: number;
}

interface Base {
  /** The variable name (top level) or '' (fields and cells are unnamed). */
  name: string;
  /** MATLAB dimensions, column-major, at least two. */
  dims: number[];
  /** MATLAB class name (`class(x)`). */
  className: string;
}

export interface NumericNode extends Base {
  kind: 'numeric';
  classId: number;
  logical: boolean;
  complex: boolean;
  /** The real part; the imaginary part of a complex array is checked but not kept. */
  data: DataRef;
}

export interface CharNode extends Base {
  kind: 'char';
  data: DataRef;
}

export interface StructNode extends Base {
  kind: 'struct';
  fieldNames: string[];
  /** One map per element of the struct array, in column-major order. */
  elements: Map<string, MatNode>[];
}

export interface CellNode extends Base {
  kind: 'cell';
  elements: MatNode[];
}

/** Sparse matrices, objects, function handles and opaque values: recognised and skipped. */
export interface SkippedNode extends Base {
  kind: 'skipped';
}

/** A zero-byte miMATRIX, which writers use for an empty value in a cell or field. */
export interface EmptyNode extends Base {
  kind: 'empty';
}

export type MatNode = NumericNode | CharNode | StructNode | CellNode | SkippedNode | EmptyNode;

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function dimsText(dims: readonly number[]): string {
  return dims.join('×');
}

/** `1×1 struct`, `24×32×6 uint8`, `1×4 char`: how MATLAB's `whos` would describe it. */
export function describe(node: Pick<Base, 'dims' | 'className'> & { logical?: boolean; complex?: boolean }): string {
  const cls = node.logical ? 'logical' : node.className;
  return `${dimsText(node.dims)} ${node.complex ? 'complex ' : ''}${cls}`;
}

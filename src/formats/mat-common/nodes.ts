/**
 * A MATLAB variable as both MAT readers describe it, whatever the container: `D` is where a reader finds
 * the values (a byte range in a Level 5 file, an HDF5 dataset in a v7.3 file), never the values
 * themselves, so that pixel data is read frame by frame on demand.
 */
interface Base {
  /** The variable name (top level) or '' (fields and cells are unnamed). */
  name: string;
  /** MATLAB dimensions (as `size(x)` reports them), at least two. */
  dims: number[];
  /** MATLAB class name (`class(x)`). */
  className: string;
}

export interface NumericNode<D> extends Base {
  kind: 'numeric';
  classId: number;
  logical: boolean;
  complex: boolean;
  /** The real part; the imaginary part of a complex array is not kept. */
  data: D;
}

export interface CharNode<D> extends Base {
  kind: 'char';
  data: D;
}

export interface StructNode<D> extends Base {
  kind: 'struct';
  fieldNames: string[];
  /** One map per element of the struct array, in column-major order. */
  elements: Map<string, MatNode<D>>[];
}

export interface CellNode<D> extends Base {
  kind: 'cell';
  elements: MatNode<D>[];
}

/** Sparse matrices, objects, function handles and opaque values: recognised and skipped. */
export interface SkippedNode extends Base {
  kind: 'skipped';
}

/** An empty value (a zero-byte miMATRIX, or a v7.3 dataset marked MATLAB_empty). */
export interface EmptyNode extends Base {
  kind: 'empty';
}

export type MatNode<D> = NumericNode<D> | CharNode<D> | StructNode<D> | CellNode<D> | SkippedNode | EmptyNode;

/** A top-level variable: its header facts are known; its contents are built only when `load` is called. */
export interface MatVariable<D> {
  name: string;
  classId: number;
  className: string;
  complex: boolean;
  logical: boolean;
  dims: number[];
  load(): Promise<MatNode<D>>;
}

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

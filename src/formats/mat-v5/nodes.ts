import type * as Common from '../mat-common/nodes.ts';
import type { Bytes } from './bytes.ts';

/** Where an element's values lie, not yet read: pixel data is decoded frame by frame on demand. */
export interface DataRef {
  bytes: Bytes;
  offset: number;
  length: number;
  /** The stored data element type (`mi*`), which may be smaller than the class. */
  type: number;
}

// The node shapes are shared with the v7.3 reader (src/formats/mat-common/nodes.ts); here their values
// are byte ranges of the Level 5 file.
export type NumericNode = Common.NumericNode<DataRef>;
export type CharNode = Common.CharNode<DataRef>;
export type StructNode = Common.StructNode<DataRef>;
export type CellNode = Common.CellNode<DataRef>;
export type SkippedNode = Common.SkippedNode;
export type EmptyNode = Common.EmptyNode;
export type MatNode = Common.MatNode<DataRef>;

export { describe, dimsText, elementCount } from '../mat-common/nodes.ts';

import { corrupt } from '../mat-common/errors.ts';
import type { ValueReader } from '../mat-common/hints.ts';
import type { Layout } from '../mat-common/layout.ts';
import { emptyRange, extendRange, type FiniteRange, finishRange } from '../mat-common/mapping.ts';
import { elementCount } from '../mat-common/nodes.ts';
import type { H5File, H5Ranges } from './h5-file.ts';
import type { H5Data } from './tree.ts';

/** Values as JavaScript numbers can hold them (64-bit integers come back as float64). */
export type Values = ArrayLike<number>;

/**
 * The hyperslab of frame `index`. Frame f of a MATLAB H×W×F (or H×W×C×F) array is the f-th block of
 * H·W·C values in column-major order, which in the reversed HDF5 shape (F×W×H, F×C×W×H) is index f of
 * the first dimension: HDF5 reads exactly that frame, nothing more. Dimensions before the frame
 * dimension in HDF5 order are MATLAB's trailing singletons (size 1). One-frame layouts read everything.
 */
export function frameRanges(data: H5Data, layout: Layout, index: number): H5Ranges {
  const matlabFrameDim = layout.name === 'HxWxF' ? 2 : layout.name === 'HxWx1xF' || layout.name === 'HxWx3xF' ? 3 : null;
  if (matlabFrameDim === null) return [];
  const axis = data.shape.length - 1 - matlabFrameDim;
  return data.shape.map((_, j) => (j < axis ? [0, 1] : j === axis ? [index, index + 1] : []));
}

/** Reads a hyperslab and checks it holds `expected` values. */
export function readValues(h5: H5File, data: H5Data, ranges: H5Ranges, expected: number, what: string): Values {
  const out = h5.read(data.path, ranges, what);
  // A scalar dataspace comes back as a bare number.
  const values = typeof out === 'number' ? [out] : typeof out === 'bigint' ? [Number(out)] : out;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    if (values.length !== expected) throw corrupt(h5.ctx, `${what}: read ${values.length} values, expected ${expected}`);
    return Float64Array.from(values, Number);
  }
  const numeric = ArrayBuffer.isView(values) || (Array.isArray(values) && values.every((v) => typeof v === 'number'));
  if (!numeric || (values as Values).length !== expected) {
    throw corrupt(h5.ctx, `${what}: the values could not be read as ${expected} numbers`);
  }
  return values as Values;
}

/** Minimum and maximum of the finite values, one frame at a time (0, 0 when there are none). */
export function scanRange(h5: H5File, data: H5Data, layout: Layout, path: string): FiniteRange {
  const perFrame = layout.height * layout.width * layout.channels;
  const range = emptyRange();
  for (let f = 0; f < layout.frames; f++) {
    extendRange(range, readValues(h5, data, frameRanges(data, layout, f), perFrame, `the values of ${path} (frame ${f})`));
  }
  return finishRange(range);
}

/** Reads at most this many characters of a char array (the hints need short strings only). */
const MAX_TEXT = 4096;

/** Reads the scalars and short strings the frame-rate and colour hints look at. */
export function valueReader(h5: H5File): ValueReader<H5Data> {
  return {
    async scalar(node) {
      return readValues(h5, node.data, [], 1, `the scalar ${node.data.path}`)[0]!;
    },
    async text(node) {
      const { data } = node;
      const total = elementCount(data.shape);
      let ranges: H5Ranges = [];
      let count = total;
      if (total > MAX_TEXT) {
        // Read whole rows of the first HDF5 dimension (MATLAB's last) up to MAX_TEXT characters.
        const rest = total / data.shape[0]!;
        const rows = Math.floor(MAX_TEXT / rest);
        if (rows < 1) return '';
        ranges = data.shape.map((_, j) => (j === 0 ? [0, rows] : []));
        count = rows * rest;
      }
      const codes = readValues(h5, data, ranges, count, `the text ${data.path}`);
      let text = '';
      for (let i = 0; i < codes.length; i++) {
        const c = codes[i]!;
        text += c >= 0 && c <= 0x10ffff && Number.isInteger(c) ? String.fromCodePoint(c) : '\ufffd';
      }
      return text;
    },
  };
}

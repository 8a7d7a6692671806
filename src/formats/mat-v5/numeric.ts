import { MI, MI_SIZE } from './constants.ts';
import { LITTLE_ENDIAN_HOST } from '../../util/bytes.ts';

/** Decoded values of one numeric data element (64-bit integers come back as float64). */
export type Samples =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;


type Ctor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => Samples;

const VIEWS: Readonly<Record<number, Ctor>> = {
  [MI.INT8]: Int8Array,
  [MI.UINT8]: Uint8Array,
  [MI.INT16]: Int16Array,
  [MI.UINT16]: Uint16Array,
  [MI.INT32]: Int32Array,
  [MI.UINT32]: Uint32Array,
  [MI.SINGLE]: Float32Array,
  [MI.DOUBLE]: Float64Array,
};

export function isNumericType(type: number): boolean {
  return MI_SIZE[type] !== undefined;
}

/**
 * Decodes `raw` (a whole number of values of element type `type`, in the file's byte order) into a typed
 * array. Values are copied into a fresh, aligned buffer, so `raw` may be any sub-array.
 */
export function decodeSamples(raw: Uint8Array, type: number, littleEndian: boolean): Samples {
  const size = MI_SIZE[type]!;
  const count = Math.floor(raw.length / size);
  if (type === MI.INT64 || type === MI.UINT64) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      out[i] = Number(type === MI.INT64 ? view.getBigInt64(i * 8, littleEndian) : view.getBigUint64(i * 8, littleEndian));
    }
    return out;
  }
  const Ctor = VIEWS[type]!;
  if (size === 1 || littleEndian === LITTLE_ENDIAN_HOST) {
    // Copy with set(): `raw` may be a Node Buffer, whose slice() shares memory instead of copying.
    const copy = new Uint8Array(count * size);
    copy.set(raw.subarray(0, count * size));
    return new Ctor(copy.buffer, 0, count);
  }
  // Byte order differs from the host: swap into a copy, then view it.
  const copy = new Uint8Array(count * size);
  for (let i = 0; i < count * size; i += size) {
    for (let b = 0; b < size; b++) copy[i + b] = raw[i + size - 1 - b]!;
  }
  return new Ctor(copy.buffer, 0, count);
}

/** Decodes char data (MATLAB writes miUTF8, miUINT16/miUTF16 or miUTF32; old files miUINT8/miINT8). */
export function decodeText(raw: Uint8Array, type: number, littleEndian: boolean): string {
  if (type === MI.UTF16 || type === MI.UINT16 || type === MI.INT16) {
    return new TextDecoder(littleEndian ? 'utf-16le' : 'utf-16be').decode(raw.subarray(0, raw.length & ~1));
  }
  if (type === MI.UTF32 || type === MI.UINT32 || type === MI.INT32) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    let text = '';
    for (let i = 0; i + 4 <= raw.length; i += 4) {
      const code = view.getUint32(i, littleEndian);
      text += code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    }
    return text;
  }
  return new TextDecoder('utf-8').decode(raw);
}

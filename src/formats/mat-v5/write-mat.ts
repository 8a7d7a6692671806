import { deflateSync } from 'node:zlib';

/**
 * A small MAT Level 5 writer for the original system's layout: a 1×1 struct `Patient` whose field
 * `DicomImage` is an H×W×F uint8 cine (column-major, as MATLAB stores it), zlib-compressed. Used to make
 * demo files and benchmark inputs; tests check its output with scipy.io.loadmat, an independent reader.
 */
export function writePatientMat(frames: readonly Uint8Array[], height: number, width: number, extra: Record<string, string> = {}): Buffer {
  const count = frames.length;
  const column = Buffer.alloc(height * width * count);
  for (let f = 0; f < count; f++) {
    const frame = frames[f]!;
    const base = f * height * width;
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) column[base + c * height + r] = frame[r * width + c]!;
  }
  const cine = matrix('', MX_UINT8, [height, width, count], element(MI_UINT8, column));
  const fields: [string, Buffer][] = [['DicomImage', cine], ...Object.entries(extra).map(([k, v]): [string, Buffer] => [k, charArray(v)])];
  const names = Buffer.alloc(32 * fields.length);
  for (const [i, [name]] of fields.entries()) names.write(name.slice(0, 31), i * 32, 'ascii');
  const fieldNameLength = Buffer.alloc(8);
  fieldNameLength.writeUInt16LE(MI_INT32, 0);
  fieldNameLength.writeUInt16LE(4, 2);
  fieldNameLength.writeInt32LE(32, 4);
  const patient = matrix('Patient', MX_STRUCT, [1, 1], Buffer.concat([fieldNameLength, element(MI_INT8, names), ...fields.map(([, m]) => m)]));
  return Buffer.concat([header(), element(MI_COMPRESSED, deflateSync(patient), false)]);
}

const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_UINT16 = 4;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const MX_STRUCT = 2;
const MX_CHAR = 4;
const MX_UINT8 = 9;

function header(): Buffer {
  const h = Buffer.alloc(128, 0x20);
  h.write(`MATLAB 5.0 MAT-file, Platform: nodejs, Created on: ${new Date().toUTCString()} by EchoCloud`.slice(0, 116), 0, 'ascii');
  h.fill(0, 116, 124); // no subsystem data
  h.writeUInt16LE(0x0100, 124);
  h.write('IM', 126, 'ascii');
  return h;
}

function element(type: number, data: Buffer, pad = true): Buffer {
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(type, 0);
  tag.writeUInt32LE(data.length, 4);
  const padding = pad ? (8 - (data.length % 8)) % 8 : 0;
  return Buffer.concat([tag, data, Buffer.alloc(padding)]);
}

function matrix(name: string, mxClass: number, dims: number[], body: Buffer): Buffer {
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(mxClass, 0);
  const dimBytes = Buffer.alloc(4 * dims.length);
  for (const [i, d] of dims.entries()) dimBytes.writeInt32LE(d, i * 4);
  const inner = Buffer.concat([element(MI_UINT32, flags), element(MI_INT32, dimBytes), element(MI_INT8, Buffer.from(name, 'ascii')), body]);
  return element(MI_MATRIX, inner);
}

function charArray(text: string): Buffer {
  const data = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) data.writeUInt16LE(text.charCodeAt(i) & 0xffff, i * 2);
  return matrix('', MX_CHAR, [1, text.length], element(MI_UINT16, data));
}

/** Explicit VR Little Endian element encoding (PS3.5 7.1.2), for the de-identified data set. */

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UR', 'UT']);
/** Bytes per value of binary VRs, for byte-order conversion. */
export const BINARY_WIDTH: Readonly<Record<string, number>> = { US: 2, SS: 2, AT: 2, OW: 2, UL: 4, SL: 4, FL: 4, OF: 4, OL: 4, FD: 8, OD: 8, OV: 8, SV: 8, UV: 8 };

export interface OutElement {
  tag: number;
  vr: string;
  /** The value, or for SQ the encoded items (each an array of elements). */
  value: Buffer | OutElement[][];
}

export function encodeElements(elements: readonly OutElement[]): Buffer {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  return Buffer.concat(sorted.map(encodeElement));
}

function encodeElement(el: OutElement): Buffer {
  let value: Buffer;
  if (Array.isArray(el.value)) {
    value = Buffer.concat(
      el.value.map((item) => {
        const content = encodeElements(item);
        const head = Buffer.alloc(8);
        head.writeUInt16LE(0xfffe, 0);
        head.writeUInt16LE(0xe000, 2);
        head.writeUInt32LE(content.length, 4);
        return Buffer.concat([head, content]);
      }),
    );
  } else {
    value = el.value.length % 2 === 1 ? Buffer.concat([el.value, Buffer.from([TEXT_VRS.has(el.vr) ? 0x20 : 0])]) : el.value;
  }
  // A short-form VR whose value does not fit 16 bits can only be written as UN.
  const vr = !LONG_VRS.has(el.vr) && value.length > 0xffff ? 'UN' : el.vr;
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(el.tag >>> 16, 0);
  head.writeUInt16LE(el.tag & 0xffff, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

export function textValue(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

export function uidValue(uid: string): Buffer {
  return Buffer.from(uid.length % 2 === 1 ? `${uid}\0` : uid, 'latin1');
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** Swaps a big-endian binary value to little endian, in place on a copy. */
export function toLittleEndian(bytes: Buffer, vr: string): Buffer {
  const width = BINARY_WIDTH[vr];
  if (!width || width === 1) return Buffer.from(bytes);
  const out = Buffer.from(bytes);
  const whole = out.length - (out.length % width);
  if (width === 2) out.subarray(0, whole).swap16();
  else if (width === 4) out.subarray(0, whole).swap32();
  else out.subarray(0, whole).swap64();
  return out;
}

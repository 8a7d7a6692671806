/**
 * A tiny Part 10 writer (explicit VR little endian data set) for error cases that pydicom would refuse
 * to write: absurd sizes, missing or short pixel data, unknown transfer syntaxes.
 */
export interface El {
  tag: [number, number];
  vr: string;
  value: Uint8Array | string | number[];
  /** Override the written length (e.g. 0xFFFFFFFF for undefined length). */
  length?: number;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV']);

function valueBytes(el: El): Uint8Array {
  if (el.value instanceof Uint8Array) return el.value;
  if (typeof el.value === 'string') {
    const pad = el.vr === 'UI' ? '\0' : ' ';
    const text = el.value.length % 2 ? el.value + pad : el.value;
    return new TextEncoder().encode(text);
  }
  const size = el.vr === 'UL' ? 4 : 2;
  const out = new Uint8Array(el.value.length * size);
  const view = new DataView(out.buffer);
  el.value.forEach((v, i) => {
    if (size === 4) view.setUint32(i * 4, v, true);
    else view.setUint16(i * 2, v, true);
  });
  return out;
}

export function element(el: El): Uint8Array {
  const value = valueBytes(el);
  const long = LONG_VRS.has(el.vr);
  const head = new Uint8Array(long ? 12 : 8);
  const view = new DataView(head.buffer);
  view.setUint16(0, el.tag[0], true);
  view.setUint16(2, el.tag[1], true);
  head[4] = el.vr.charCodeAt(0);
  head[5] = el.vr.charCodeAt(1);
  if (long) view.setUint32(8, el.length ?? value.length, true);
  else view.setUint16(6, el.length ?? value.length, true);
  return concat([head, value]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface ImageSpec {
  transferSyntax?: string;
  rows?: number;
  columns?: number;
  frames?: string;
  bitsAllocated?: number;
  photometric?: string;
  samplesPerPixel?: number;
  /** Pixel data bytes; null leaves the element out. */
  pixelData?: Uint8Array | null;
  /** Raw bytes appended after everything (e.g. a hand-made encapsulated Pixel Data). */
  tail?: Uint8Array;
}

export function buildDicom(spec: ImageSpec = {}): Uint8Array {
  const rows = spec.rows ?? 8;
  const columns = spec.columns ?? 8;
  const ts = spec.transferSyntax ?? '1.2.840.10008.1.2.1';
  const metaBody = concat([
    element({ tag: [0x0002, 0x0001], vr: 'OB', value: new Uint8Array([0, 1]) }),
    element({ tag: [0x0002, 0x0002], vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.3.1' }),
    element({ tag: [0x0002, 0x0003], vr: 'UI', value: '1.2.3.4.5' }),
    element({ tag: [0x0002, 0x0010], vr: 'UI', value: ts }),
  ]);
  const groupLength = element({ tag: [0x0002, 0x0000], vr: 'UL', value: [metaBody.length] });
  const spp = spec.samplesPerPixel ?? 1;
  const bits = spec.bitsAllocated ?? 8;
  const frames = spec.frames ?? '2';
  const defaultPixels = () => new Uint8Array(rows * columns * spp * (bits / 8) * Math.max(1, Number(frames) || 1)).map((_, i) => i);
  const data = [
    element({ tag: [0x0008, 0x0060], vr: 'CS', value: 'US' }),
    element({ tag: [0x0008, 0x0070], vr: 'LO', value: 'Builder' }),
    element({ tag: [0x0028, 0x0002], vr: 'US', value: [spp] }),
    element({ tag: [0x0028, 0x0004], vr: 'CS', value: spec.photometric ?? 'MONOCHROME2' }),
    element({ tag: [0x0028, 0x0008], vr: 'IS', value: frames }),
    element({ tag: [0x0028, 0x0010], vr: 'US', value: [rows] }),
    element({ tag: [0x0028, 0x0011], vr: 'US', value: [columns] }),
    element({ tag: [0x0028, 0x0100], vr: 'US', value: [bits] }),
    element({ tag: [0x0028, 0x0101], vr: 'US', value: [bits] }),
    element({ tag: [0x0028, 0x0103], vr: 'US', value: [0] }),
  ];
  if (spec.pixelData !== null && !spec.tail) {
    data.push(element({ tag: [0x7fe0, 0x0010], vr: bits === 8 ? 'OB' : 'OW', value: spec.pixelData ?? defaultPixels() }));
  }
  const preamble = new Uint8Array(132);
  preamble.set(new TextEncoder().encode('DICM'), 128);
  return concat([preamble, groupLength, metaBody, ...data, spec.tail ?? new Uint8Array(0)]);
}

/** Encapsulated Pixel Data: element header, Basic Offset Table item, fragment items, delimiter. */
export function encapsulated(fragments: Uint8Array[], bot: number[] = []): Uint8Array {
  const item = (bytes: Uint8Array) => {
    const head = new Uint8Array(8);
    const view = new DataView(head.buffer);
    view.setUint16(0, 0xfffe, true);
    view.setUint16(2, 0xe000, true);
    view.setUint32(4, bytes.length, true);
    return concat([head, bytes]);
  };
  const botBytes = new Uint8Array(bot.length * 4);
  bot.forEach((v, i) => {
    new DataView(botBytes.buffer).setUint32(i * 4, v, true);
  });
  const delimiter = new Uint8Array([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
  const header = element({ tag: [0x7fe0, 0x0010], vr: 'OB', value: new Uint8Array(0), length: 0xffffffff });
  return concat([header, item(botBytes), ...fragments.map(item), delimiter]);
}

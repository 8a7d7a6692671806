import { randomUUID } from 'node:crypto';

/**
 * A small DICOM Part 10 writer (explicit VR little endian, uncompressed) for one multi-frame grey 8-bit
 * ultrasound cine with its frame time and one Sequence of Ultrasound Regions item. Used for demo files
 * (`echo-cloud demo`); tests check its output with dcmtk's dcmdump, an independent reader.
 */
export interface DicomCine {
  frames: readonly Uint8Array[];
  height: number;
  width: number;
  fps: number;
  /** The imaged sector's bounding box in pixels (inclusive), written as the ultrasound region. */
  region?: { x0: number; y0: number; x1: number; y1: number; mmPerPixel: number };
  manufacturer?: string;
  seriesDescription?: string;
}

const US_MULTIFRAME_STORAGE = '1.2.840.10008.5.1.4.1.1.3.1';
const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
const IMPLEMENTATION_UID = '2.25.200934882117389104913306389151733712391';
const LONG_VRS = new Set(['OB', 'OW', 'SQ', 'UN', 'UT', 'UC', 'UR', 'OF', 'OD', 'OL']);

/** A UID under the 2.25 root made from a random UUID (PS3.5 B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

export function writeDicomCine(cine: DicomCine): Buffer {
  const sopInstance = newUid();
  const pixels = Buffer.concat(cine.frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength)));
  const meta = Buffer.concat([
    el(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    el(0x0002, 0x0002, 'UI', ui(US_MULTIFRAME_STORAGE)),
    el(0x0002, 0x0003, 'UI', ui(sopInstance)),
    el(0x0002, 0x0010, 'UI', ui(EXPLICIT_VR_LE)),
    el(0x0002, 0x0012, 'UI', ui(IMPLEMENTATION_UID)),
  ]);
  const regions = cine.region
    ? [
        el(
          0x0018,
          0x6011,
          'SQ',
          item(
            Buffer.concat([
              el(0x0018, 0x6012, 'US', u16(1)), // RegionSpatialFormat: 2D
              el(0x0018, 0x6014, 'US', u16(1)), // RegionDataType: tissue
              el(0x0018, 0x6016, 'UL', u32(0)),
              el(0x0018, 0x6018, 'UL', u32(cine.region.x0)),
              el(0x0018, 0x601a, 'UL', u32(cine.region.y0)),
              el(0x0018, 0x601c, 'UL', u32(cine.region.x1)),
              el(0x0018, 0x601e, 'UL', u32(cine.region.y1)),
              el(0x0018, 0x6024, 'US', u16(3)), // PhysicalUnitsXDirection: cm
              el(0x0018, 0x6026, 'US', u16(3)),
              el(0x0018, 0x602c, 'FD', f64(cine.region.mmPerPixel / 10)),
              el(0x0018, 0x602e, 'FD', f64(cine.region.mmPerPixel / 10)),
            ]),
          ),
        ),
      ]
    : [];
  const dataset = Buffer.concat([
    el(0x0008, 0x0016, 'UI', ui(US_MULTIFRAME_STORAGE)),
    el(0x0008, 0x0018, 'UI', ui(sopInstance)),
    el(0x0008, 0x0060, 'CS', text('US')),
    el(0x0008, 0x0070, 'LO', text(cine.manufacturer ?? 'EchoCloud phantom')),
    el(0x0008, 0x103e, 'LO', text(cine.seriesDescription ?? 'synthetic phantom')),
    el(0x0018, 0x1063, 'DS', text((1000 / cine.fps).toFixed(3))),
    ...regions,
    el(0x0020, 0x000d, 'UI', ui(newUid())),
    el(0x0020, 0x000e, 'UI', ui(newUid())),
    el(0x0028, 0x0002, 'US', u16(1)),
    el(0x0028, 0x0004, 'CS', text('MONOCHROME2')),
    el(0x0028, 0x0008, 'IS', text(String(cine.frames.length))),
    el(0x0028, 0x0009, 'AT', Buffer.from([0x18, 0x00, 0x63, 0x10])), // FrameIncrementPointer → FrameTime
    el(0x0028, 0x0010, 'US', u16(cine.height)),
    el(0x0028, 0x0011, 'US', u16(cine.width)),
    el(0x0028, 0x0100, 'US', u16(8)),
    el(0x0028, 0x0101, 'US', u16(8)),
    el(0x0028, 0x0102, 'US', u16(7)),
    el(0x0028, 0x0103, 'US', u16(0)),
    el(0x7fe0, 0x0010, 'OB', pixels),
  ]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), el(0x0002, 0x0000, 'UL', u32(meta.length)), meta, dataset]);
}

function el(group: number, element: number, vr: string, value: Buffer): Buffer {
  const padded = value.length % 2 === 1 ? Buffer.concat([value, Buffer.from([vr === 'UI' || vr === 'OB' ? 0 : 0x20])]) : value;
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(element, 2);
  head.write(vr, 4, 'ascii');
  if (long) head.writeUInt32LE(padded.length, 8);
  else head.writeUInt16LE(padded.length, 6);
  return Buffer.concat([head, padded]);
}

/** One sequence item of defined length. */
function item(content: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0xfffe, 0);
  head.writeUInt16LE(0xe000, 2);
  head.writeUInt32LE(content.length, 4);
  return Buffer.concat([head, content]);
}

const ui = (uid: string) => Buffer.from(uid, 'ascii');
const text = (s: string) => Buffer.from(s, 'ascii');
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const f64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return b;
};

/**
 * Reads image dimensions from a JPEG / JPEG-LS frame header (SOFn, SOF55) or a JPEG 2000 SIZ marker,
 * so a codestream that declares another size than the DICOM header is refused before a codec
 * allocates for it.
 */

export interface CodestreamSize {
  width: number;
  height: number;
  components: number;
  precision: number;
}

const SOI = 0xffd8;

function u16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

function u32(b: Uint8Array, at: number): number {
  return u16(b, at) * 65536 + u16(b, at + 2);
}

/** The first SOF marker of a JPEG (SOF0..SOF15 except DHT/JPG/DAC) or JPEG-LS (SOF55) stream, or null. */
export function jpegSize(bytes: Uint8Array): CodestreamSize | null {
  if (bytes.length < 4 || u16(bytes, 0) !== SOI) return null;
  let at = 2;
  // Segments before the frame header are few and short; the bound stops a loop on garbage.
  for (let guard = 0; guard < 10_000 && at + 4 <= bytes.length; guard += 1) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isSof) {
      if (at + 10 > bytes.length) return null;
      return {
        precision: bytes[at + 4]!,
        height: u16(bytes, at + 5),
        width: u16(bytes, at + 7),
        components: bytes[at + 9]!,
      };
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const length = u16(bytes, at + 2);
    if (length < 2) return null;
    at += 2 + length;
  }
  return null;
}

/** The SIZ marker of a JPEG 2000 codestream (raw `FF4F FF51`, or inside a JP2 file's `jp2c` box), or null. */
export function j2kSize(bytes: Uint8Array): CodestreamSize | null {
  let at = -1;
  if (u16(bytes, 0) === 0xff4f && u16(bytes, 2) === 0xff51) at = 2;
  else {
    // JP2 file: find the codestream start marker among the first bytes.
    const limit = Math.min(bytes.length - 4, 4096);
    for (let i = 0; i < limit; i += 1) {
      if (bytes[i] === 0xff && bytes[i + 1] === 0x4f && bytes[i + 2] === 0xff && bytes[i + 3] === 0x51) {
        at = i + 2;
        break;
      }
    }
  }
  if (at < 0 || at + 42 > bytes.length) return null;
  // SIZ: marker(2) Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4) XTsiz YTsiz XTOsiz YTOsiz Csiz(2) Ssiz...
  const xsiz = u32(bytes, at + 6);
  const ysiz = u32(bytes, at + 10);
  const xo = u32(bytes, at + 14);
  const yo = u32(bytes, at + 18);
  const components = u16(bytes, at + 38);
  const ssiz = bytes[at + 40] ?? 0;
  return { width: xsiz - xo, height: ysiz - yo, components, precision: (ssiz & 0x7f) + 1 };
}

/** True when a fragment starts a new compressed frame (JPEG SOI, J2K SOC, or a JP2 signature box). */
export function startsFrame(first: Uint8Array): boolean {
  if (first.length >= 2 && u16(first, 0) === SOI) return true;
  if (first.length >= 2 && u16(first, 0) === 0xff4f) return true;
  return first.length >= 8 && u32(first, 0) === 12 && u32(first, 4) === 0x6a502020;
}

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header (segment count, 15 offsets) and one PackBits
 * segment per byte plane, most significant byte first, one sample plane after another. No npm package
 * decodes it, and it is a few lines, so it is done here.
 */

export interface RleLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bytesPerSample: 1 | 2;
}

/** Decodes one RLE frame to interleaved samples; throws an Error naming what is wrong. */
export function decodeRle(encoded: Uint8Array, layout: RleLayout): Uint8Array | Uint16Array {
  const pixels = layout.rows * layout.columns;
  const segments = layout.samplesPerPixel * layout.bytesPerSample;
  if (encoded.length < 64) throw new Error(`RLE header needs 64 bytes, the frame has ${encoded.length}`);
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const count = view.getUint32(0, true);
  if (count !== segments) throw new Error(`RLE header declares ${count} segments, the pixel module needs ${segments}`);
  const offsets: number[] = [];
  for (let s = 0; s < count; s += 1) offsets.push(view.getUint32(4 + 4 * s, true));
  const out = layout.bytesPerSample === 1 ? new Uint8Array(pixels * layout.samplesPerPixel) : new Uint16Array(pixels * layout.samplesPerPixel);
  // One 8-bit grey plane is the output itself: unpack straight into it.
  if (count === 1 && out instanceof Uint8Array) {
    const start = offsets[0]!;
    if (start < 64 || start > encoded.length) throw new Error(`RLE segment 1 starts at byte ${start} of a ${encoded.length}-byte frame`);
    unpackBits(encoded, start, encoded.length, out);
    return out;
  }
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < count; s += 1) {
    const start = offsets[s]!;
    const end = s + 1 < count ? offsets[s + 1]! : encoded.length;
    if (start < 64 || end > encoded.length || end < start) {
      throw new Error(`RLE segment ${s + 1} spans bytes ${start}..${end} of a ${encoded.length}-byte frame`);
    }
    unpackBits(encoded, start, end, plane);
    const sample = Math.floor(s / layout.bytesPerSample);
    const high = layout.bytesPerSample === 2 && s % 2 === 0;
    const spp = layout.samplesPerPixel;
    for (let p = 0; p < pixels; p += 1) {
      const at = p * spp + sample;
      out[at] = high ? plane[p]! << 8 : out[at]! | plane[p]!;
    }
  }
  return out;
}

/** PackBits into `out`, which must be filled exactly (extra output, as from padding, is dropped). */
function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array): void {
  let i = start;
  let o = 0;
  while (i < end && o < out.length) {
    const n = src[i]!;
    i += 1;
    // Runs are mostly short in ultrasound speckle: plain loops beat set()/fill() calls below ~32 bytes.
    if (n < 128) {
      const run = Math.min(n + 1, end - i, out.length - o);
      if (run > 32) out.set(src.subarray(i, i + run), o);
      else for (let k = 0; k < run; k++) out[o + k] = src[i + k]!;
      i += n + 1;
      o += run;
    } else if (n > 128) {
      const run = Math.min(257 - n, out.length - o);
      if (i < end) {
        const v = src[i]!;
        if (run > 32) out.fill(v, o, o + run);
        else for (let k = 0; k < run; k++) out[o + k] = v;
      }
      i += 1;
      o += run;
    }
    // n === 128 is a no-op
  }
  if (o < out.length) throw new Error(`an RLE segment decodes to ${o} bytes, the image needs ${out.length}`);
}

/**
 * Pixel decoders, registered per transfer syntax (by their pixel encoding). Each turns the bytes of one
 * frame into stored sample values (unsigned bit patterns, Uint8Array for BitsAllocated 8, Uint16Array
 * for 16), and says whether they are planar and which photometric interpretation they are now in
 * (a JPEG baseline or JPEG 2000 codec may already have converted YBR to RGB).
 */
import { CHARLS, decodeJpegLossless, decodeWithWasm, LIBJPEG_TURBO, OPENJPEG } from './codecs/wasm-codecs.ts';
import { type CodestreamSize, j2kSize, jpegSize } from './codecs/markers.ts';
import { decodeRle } from './codecs/rle.ts';
import { nativeFrameBytes, type Photometric, type PixelModule } from './pixel-module.ts';
import { type PixelEncoding, type TransferSyntax, transferSyntaxByUid } from './transfer-syntaxes.ts';
import { LITTLE_ENDIAN_HOST } from '../../util/bytes.ts';

export interface StoredFrame {
  samples: Uint8Array | Uint16Array;
  /** True when the samples are colour-by-plane (R plane, G plane, B plane). */
  planar: boolean;
  photometric: Photometric;
  /** True when `samples` is a buffer of its own that nothing else holds: the caller may keep it as is. */
  owned?: boolean;
}

/** Thrown by a decoder when the frame is damaged; the reader turns it into CINE_CORRUPT with context. */
export class FrameDecodeError extends Error {}

/**
 * `owned`: the encoded bytes are the decoder's to keep (a region nothing else holds), so a decoder that
 * would return them as they are need not copy them.
 */
export type FrameDecoder = (encoded: Uint8Array, px: PixelModule, ts: TransferSyntax, owned: boolean) => Promise<StoredFrame>;


const native: FrameDecoder = async (bytes, px, ts, owned) => {
  const want = nativeFrameBytes(px);
  if (bytes.length < want) throw new FrameDecodeError(`the frame holds ${bytes.length} bytes, expected ${want}`);
  const planar = px.planarConfiguration === 1;
  if (px.bitsAllocated === 8) {
    return { samples: owned ? bytes.subarray(0, want) : bytes.slice(0, want), planar, photometric: px.photometric, owned: true };
  }
  if (ts.littleEndian === LITTLE_ENDIAN_HOST) {
    // Same byte order as the host: the bytes are the samples (copied when not ours or not 2-byte aligned).
    const mine = owned && bytes.byteOffset % 2 === 0 ? bytes : bytes.slice(0, want);
    return { samples: new Uint16Array(mine.buffer, mine.byteOffset, want / 2), planar, photometric: px.photometric, owned: true };
  }
  const samples = new Uint16Array(want / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, want);
  for (let i = 0; i < samples.length; i += 1) samples[i] = view.getUint16(i * 2, ts.littleEndian);
  return { samples, planar, photometric: px.photometric, owned: true };
};

const rle: FrameDecoder = async (bytes, px) => {
  const samples = decodeRle(bytes, {
    rows: px.rows,
    columns: px.columns,
    samplesPerPixel: px.samplesPerPixel,
    bytesPerSample: px.bitsAllocated === 8 ? 1 : 2,
  });
  // RLE stores colour as separate segments, decoded here to interleaved samples whatever
  // PlanarConfiguration says; YBR_FULL_422 is not allowed with RLE (it is stored as YBR_FULL).
  return { samples, planar: false, photometric: px.photometric, owned: true };
};

function checkSize(found: CodestreamSize | null, px: PixelModule, what: string): void {
  if (!found) throw new FrameDecodeError(`no ${what} frame header found in the frame's codestream`);
  if (found.width !== px.columns || found.height !== px.rows || found.components !== px.samplesPerPixel) {
    throw new FrameDecodeError(
      `the ${what} codestream is ${found.width}×${found.height}×${found.components}, the DICOM header says ` +
        `${px.columns}×${px.rows}×${px.samplesPerPixel} (Columns×Rows×SamplesPerPixel)`,
    );
  }
}

function asSamples(bytes: Uint8Array, px: PixelModule): Uint8Array | Uint16Array {
  const want = px.rows * px.columns * px.samplesPerPixel;
  const bytesPer = px.bitsAllocated / 8;
  if (bytes.length !== want * bytesPer) {
    throw new FrameDecodeError(`the codec returned ${bytes.length} bytes, expected ${want * bytesPer}`);
  }
  if (bytesPer === 1) return bytes;
  // The wasm heap is little-endian; `bytes` is a private copy, so the aligned view is safe.
  const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
  return new Uint16Array(aligned.buffer, aligned.byteOffset, want);
}

const jpegBaseline: FrameDecoder = async (bytes, px) => {
  if (px.bitsAllocated !== 8) throw new FrameDecodeError(`JPEG baseline holds 8-bit samples, BitsAllocated is ${px.bitsAllocated}`);
  checkSize(jpegSize(bytes), px, 'JPEG');
  const out = await decodeWithWasm(LIBJPEG_TURBO, bytes);
  // libjpeg-turbo outputs RGB for three-component streams (it applies the YCbCr transform the JPEG
  // markers call for), so YBR_FULL_422 / YBR_FULL are RGB now and must not be converted again.
  return { samples: asSamples(out.bytes, px), planar: false, photometric: px.samplesPerPixel === 3 ? 'RGB' : px.photometric, owned: true };
};

const jpegLossless: FrameDecoder = async (bytes, px) => {
  checkSize(jpegSize(bytes), px, 'JPEG lossless');
  const out = decodeJpegLossless(bytes, px.bitsAllocated === 8 ? 1 : 2);
  const want = px.rows * px.columns * px.samplesPerPixel;
  if (out.length !== want) throw new FrameDecodeError(`the JPEG lossless codec returned ${out.length} samples, expected ${want}`);
  // Lossless JPEG has no colour transform: samples are in the declared photometric interpretation.
  return { samples: out, planar: false, photometric: px.photometric };
};

const jpegLs: FrameDecoder = async (bytes, px) => {
  checkSize(jpegSize(bytes), px, 'JPEG-LS');
  const out = await decodeWithWasm(CHARLS, bytes);
  // CharLS returns the stream's own interleave: mode 0 (none) is one component after another.
  const planar = px.samplesPerPixel === 3 && out.interleaveMode === 0;
  return { samples: asSamples(out.bytes, px), planar, photometric: px.photometric, owned: true };
};

const jpeg2000: FrameDecoder = async (bytes, px) => {
  checkSize(j2kSize(bytes), px, 'JPEG 2000');
  const out = await decodeWithWasm(OPENJPEG, bytes);
  // OpenJPEG applies the codestream's multi-component transform, so YBR_RCT / YBR_ICT come out as RGB.
  const photometric = px.photometric === 'YBR_RCT' || px.photometric === 'YBR_ICT' ? 'RGB' : px.photometric;
  return { samples: asSamples(out.bytes, px), planar: false, photometric, owned: true };
};

const DECODERS: Partial<Record<PixelEncoding, FrameDecoder>> = {
  native,
  rle,
  'jpeg-baseline': jpegBaseline,
  'jpeg-lossless': jpegLossless,
  'jpeg-ls': jpegLs,
  'jpeg-2000': jpeg2000,
};

export function decoderFor(ts: TransferSyntax): FrameDecoder | undefined {
  return DECODERS[ts.encoding];
}

/** `1.2.840.10008.1.2.5 (RLE Lossless), ...`: the transfer syntaxes this reader decodes, for messages. */
export function supportedTransferSyntaxes(): string {
  const uids = [
    '1.2.840.10008.1.2',
    '1.2.840.10008.1.2.1',
    '1.2.840.10008.1.2.1.99',
    '1.2.840.10008.1.2.2',
    '1.2.840.10008.1.2.5',
    '1.2.840.10008.1.2.4.50',
    '1.2.840.10008.1.2.4.57',
    '1.2.840.10008.1.2.4.70',
    '1.2.840.10008.1.2.4.80',
    '1.2.840.10008.1.2.4.81',
    '1.2.840.10008.1.2.4.90',
    '1.2.840.10008.1.2.4.91',
  ];
  return uids.map((uid) => `${uid} (${transferSyntaxByUid(uid)?.name})`).join(', ');
}

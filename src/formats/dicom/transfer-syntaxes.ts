/**
 * Transfer syntaxes: how the data set is encoded (VR, byte order, deflate) and how pixel data is stored.
 * Pixel decoders are registered per UID in `decoders.ts`; a UID listed here without a decoder is rejected
 * by name.
 */

export type PixelEncoding =
  | 'native'
  | 'rle'
  | 'jpeg-baseline'
  | 'jpeg-lossless'
  | 'jpeg-ls'
  | 'jpeg-2000'
  | 'other';

export interface TransferSyntax {
  readonly uid: string;
  readonly name: string;
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
  readonly deflated: boolean;
  readonly encoding: PixelEncoding;
}

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';

function ts(uid: string, name: string, encoding: PixelEncoding, extra: Partial<TransferSyntax> = {}): TransferSyntax {
  return { uid, name, explicitVr: true, littleEndian: true, deflated: false, encoding, ...extra };
}

const ALL: readonly TransferSyntax[] = [
  ts(IMPLICIT_LE, 'Implicit VR Little Endian', 'native', { explicitVr: false }),
  ts(EXPLICIT_LE, 'Explicit VR Little Endian', 'native'),
  ts(EXPLICIT_BE, 'Explicit VR Big Endian (retired)', 'native', { littleEndian: false }),
  ts(DEFLATED_LE, 'Deflated Explicit VR Little Endian', 'native', { deflated: true }),
  ts('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'),
  ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline'),
  ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'other'),
  ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless'),
  ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [SV1])', 'jpeg-lossless'),
  ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls'),
  ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', 'jpeg-ls'),
  ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)', 'jpeg-2000'),
  ts('1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression', 'jpeg-2000'),
  // Known by name so that the rejection says what the file is.
  ts('1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component (Lossless Only)', 'other'),
  ts('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component', 'other'),
  ts('1.2.840.10008.1.2.4.94', 'JPIP Referenced', 'other'),
  ts('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', 'other'),
  ts('1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level', 'other'),
  ts('1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level', 'other'),
  ts('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1', 'other'),
  ts('1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', 'other'),
  ts('1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', 'other'),
  ts('1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', 'other'),
  ts('1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', 'other'),
  ts('1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', 'other'),
  ts('1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', 'other'),
  ts('1.2.840.10008.1.2.4.110', 'JPEG XL Lossless', 'other'),
  ts('1.2.840.10008.1.2.4.111', 'JPEG XL JPEG Recompression', 'other'),
  ts('1.2.840.10008.1.2.4.112', 'JPEG XL', 'other'),
  ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Image Compression (Lossless Only)', 'other'),
  ts('1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)', 'other'),
  ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000 Image Compression', 'other'),
];

const BY_UID = new Map(ALL.map((t) => [t.uid, t]));

export function transferSyntaxByUid(uid: string): TransferSyntax | undefined {
  return BY_UID.get(uid);
}

/** The name of a UID for messages and metadata, or `unknown`. */
export function transferSyntaxName(uid: string): string {
  return BY_UID.get(uid)?.name ?? 'unknown transfer syntax';
}

/** Data-set encoding of an unknown UID: PS3.5 says every other transfer syntax is explicit VR LE. */
export function dataSetEncoding(uid: string): { explicitVr: boolean; littleEndian: boolean; deflated: boolean } {
  const known = BY_UID.get(uid);
  return known ?? { explicitVr: true, littleEndian: true, deflated: false };
}

import type { DataSet } from 'dicom-parser';
import { corrupt, type DicomContext, unsupported } from './context.ts';
import { TAG, type TagKeyword, tagLabel } from './tags.ts';

/** The Image Pixel module attributes this reader needs, validated. */
export interface PixelModule {
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  bitsAllocated: 8 | 16;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  planarConfiguration: 0 | 1;
  frames: number;
  photometric: Photometric;
}

export const PHOTOMETRICS = [
  'MONOCHROME1',
  'MONOCHROME2',
  'PALETTE COLOR',
  'RGB',
  'YBR_FULL',
  'YBR_FULL_422',
  'YBR_RCT',
  'YBR_ICT',
] as const;
export type Photometric = (typeof PHOTOMETRICS)[number];

function us(ds: DataSet, ctx: DicomContext, keyword: TagKeyword): number | undefined {
  const el = ds.elements[TAG[keyword]];
  if (!el || el.length === 0) return undefined;
  if (el.length < 2) throw corrupt(ctx, `${tagLabel(keyword)} has ${el.length} byte(s), expected 2 (US)`);
  return ds.uint16(TAG[keyword]);
}

function required(ds: DataSet, ctx: DicomContext, keyword: TagKeyword): number {
  const v = us(ds, ctx, keyword);
  if (v === undefined) throw corrupt(ctx, `${tagLabel(keyword)} missing (required with PixelData)`);
  return v;
}

export function readPixelModule(ds: DataSet, ctx: DicomContext): PixelModule {
  const rows = required(ds, ctx, 'Rows');
  const columns = required(ds, ctx, 'Columns');
  if (rows === 0 || columns === 0) throw corrupt(ctx, `image size ${rows}×${columns} ((0028,0010) Rows × (0028,0011) Columns) is empty`);
  const spp = us(ds, ctx, 'SamplesPerPixel') ?? 1;
  if (spp !== 1 && spp !== 3) throw unsupported(ctx, `${tagLabel('SamplesPerPixel')} ${spp} is not supported; supported: 1, 3`);
  const bitsAllocated = required(ds, ctx, 'BitsAllocated');
  if (bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw unsupported(ctx, `${tagLabel('BitsAllocated')} ${bitsAllocated} is not supported; supported: 8, 16`);
  }
  const bitsStored = us(ds, ctx, 'BitsStored') ?? bitsAllocated;
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw corrupt(ctx, `${tagLabel('BitsStored')} ${bitsStored} is outside 1..${bitsAllocated} (BitsAllocated)`);
  }
  const pixelRepresentation = us(ds, ctx, 'PixelRepresentation') ?? 0;
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) {
    throw corrupt(ctx, `${tagLabel('PixelRepresentation')} ${pixelRepresentation}; valid: 0 (unsigned), 1 (signed)`);
  }
  const planar = us(ds, ctx, 'PlanarConfiguration') ?? 0;
  if (planar !== 0 && planar !== 1) throw corrupt(ctx, `${tagLabel('PlanarConfiguration')} ${planar}; valid: 0, 1`);
  const framesText = ds.string(TAG.NumberOfFrames);
  const frames = framesText === undefined || framesText === '' ? 1 : Number(framesText);
  if (!Number.isSafeInteger(frames) || frames < 1) {
    throw corrupt(ctx, `${tagLabel('NumberOfFrames')} "${framesText}" is not a positive integer`);
  }
  const photometricText = (ds.string(TAG.PhotometricInterpretation) ?? (spp === 1 ? 'MONOCHROME2' : 'RGB')).trim();
  const photometric = PHOTOMETRICS.find((p) => p === photometricText);
  if (!photometric) {
    throw unsupported(
      ctx,
      `${tagLabel('PhotometricInterpretation')} "${photometricText}" is not supported; supported: ${PHOTOMETRICS.join(', ')}`,
    );
  }
  const wantsOne = photometric.startsWith('MONOCHROME') || photometric === 'PALETTE COLOR';
  if (wantsOne !== (spp === 1)) {
    throw corrupt(ctx, `${tagLabel('PhotometricInterpretation')} ${photometric} with ${tagLabel('SamplesPerPixel')} ${spp}`);
  }
  return {
    rows,
    columns,
    samplesPerPixel: spp,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    planarConfiguration: planar,
    frames,
    photometric,
  };
}

/** Bytes of one frame as stored uncompressed (YBR_FULL_422 holds two samples a pixel). */
export function nativeFrameBytes(px: PixelModule): number {
  const samples = px.photometric === 'YBR_FULL_422' ? 2 : px.samplesPerPixel;
  return px.rows * px.columns * samples * (px.bitsAllocated / 8);
}

/** Output sample width: 8 bits when BitsStored fits, else 16 (palette output is always 8-bit RGB). */
export function outputBits(px: PixelModule): 8 | 16 {
  return px.photometric === 'PALETTE COLOR' || px.bitsStored <= 8 ? 8 : 16;
}

export function outputChannels(px: PixelModule): 1 | 3 {
  return px.samplesPerPixel === 3 || px.photometric === 'PALETTE COLOR' ? 3 : 1;
}

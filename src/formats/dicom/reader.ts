import { EchoError, isEchoError, toEchoError } from '../../errors/catalogue.ts';
import type { Cine, CineReader, CineSource, ReadOptions } from '../../ports/cine-reader.ts';
import { corrupt, type DicomContext, thrownText, tooLarge, unsupported } from './context.ts';
import { decoderFor, supportedTransferSyntaxes } from './decoders.ts';
import { findFps, findPixelSpacing } from './fps.ts';
import { locateFrames } from './frames.ts';
import { readPalette } from './palette.ts';
import { parseHeader } from './parse.ts';
import { toOutput } from './photometric.ts';
import { outputBits, outputChannels, readPixelModule } from './pixel-module.ts';
import { readRegions } from './regions.ts';
import { looksLikeDicom } from './sniff.ts';
import { TAG, tagLabel } from './tags.ts';
import { transferSyntaxByUid } from './transfer-syntaxes.ts';

export const DICOM = 'dicom';

export interface DicomReaderOptions {
  /** Called for every buffer allocated from a size found in the file (lets tests check the cap). */
  onAllocate?: (bytes: number, what: string) => void;
}

/**
 * CineReader for DICOM files (Part 10, or a bare data set), native or encapsulated pixel data.
 * What is supported and how samples become output: docs/formats.md ("DICOM").
 */
export function createDicomReader(readerOptions: DicomReaderOptions = {}): CineReader {
  return {
    format: DICOM,
    sniff: (head) => looksLikeDicom(head),
    async open(source, options) {
      try {
        return await openDicom(source, options, readerOptions);
      } catch (err) {
        // Anything not already coded is a bug in this reader, not a fault in the file: say so.
        throw toEchoError(err, 'INTERNAL', `reading DICOM file "${source.name}"`);
      }
    },
  };
}

export const dicomReader: CineReader = createDicomReader();

async function openDicom(source: CineSource, options: ReadOptions, readerOptions: DicomReaderOptions): Promise<Cine> {
  const cap = options.limits.maxDecodedBytes;
  if (!(cap > 0)) throw new EchoError('CONFIG_INVALID', `limits.maxDecodedBytes must be a positive number, got ${cap}`);
  const ctx: DicomContext = { file: source.name, cap, onAllocate: readerOptions.onAllocate };
  if (source.size === 0) throw corrupt(ctx, 'the file is empty (0 bytes)');
  const header = await parseHeader(source, ctx);
  const ds = header.dataSet;
  const uid = header.transferSyntaxUid;
  const ts = transferSyntaxByUid(uid);
  const decode = ts && decoderFor(ts);
  if (!ts || !decode) {
    throw unsupported(
      ctx,
      `${tagLabel('TransferSyntaxUID')} "${uid}" (${ts?.name ?? 'unknown transfer syntax'}) is not supported; supported: ${supportedTransferSyntaxes()}`,
    );
  }
  const px = readPixelModule(ds, ctx);
  const channels = outputChannels(px);
  const bits = outputBits(px);
  const decoded = px.frames * px.rows * px.columns * channels * (bits / 8);
  if (decoded > cap) {
    throw tooLarge(ctx, `${px.frames} frames of ${px.rows}×${px.columns}×${channels} ${bits}-bit samples`, decoded);
  }
  const palette = px.photometric === 'PALETTE COLOR' ? readPalette(ds, ctx, ts.littleEndian) : null;
  const frameBytes = await locateFrames(header, px, ts, ctx);
  const fps = findFps(ds);
  const spacing = findPixelSpacing(ds);
  const regions = readRegions(ds);
  const text = (tag: string) => ds.string(tag)?.trim() || null;

  let open = true;
  const cine: Cine = {
    format: DICOM,
    frames: px.frames,
    height: px.rows,
    width: px.columns,
    channels,
    bitsPerSample: bits,
    fps: fps?.fps ?? null,
    ...(spacing ? { pixelSpacingMm: spacing } : {}),
    ...(regions ? { regions } : {}),
    metadata: {
      vendor: text(TAG.Manufacturer),
      model: text(TAG.ManufacturerModelName),
      modality: text(TAG.Modality),
      sopClassUid: text(TAG.SOPClassUID),
      transferSyntaxUid: uid,
      transferSyntax: ts.name,
      photometricInterpretation: px.photometric,
      bitsAllocated: px.bitsAllocated,
      bitsStored: px.bitsStored,
      pixelRepresentation: px.pixelRepresentation,
      planarConfiguration: px.planarConfiguration,
      encapsulated: frameBytes.encapsulated,
      fragments: frameBytes.fragments,
      layout: header.layout,
      fpsSource: fps?.source ?? null,
    },
    async frame(index) {
      if (!open) throw new EchoError('BAD_REQUEST', `the cine from DICOM file "${source.name}" is closed`);
      if (!Number.isInteger(index) || index < 0 || index >= px.frames) {
        throw new EchoError('BAD_REQUEST', `frame ${index} is out of range for DICOM file "${source.name}" (frames 0..${px.frames - 1})`);
      }
      try {
        const bytes = await frameBytes.read(index);
        const stored = await decode(bytes, px, ts, frameBytes.owned);
        return toOutput(stored, px, palette);
      } catch (err) {
        if (isEchoError(err)) throw err;
        // Codecs throw strings, numbers (emscripten exceptions) or Errors on damaged data.
        throw corrupt(ctx, `frame ${index} (${ts.name}) cannot be decoded: ${thrownText(err)}`);
      }
    },
    async close() {
      open = false;
    },
  };
  return cine;
}

import { open, rm } from 'node:fs/promises';
import { EchoError } from '../errors/catalogue.ts';
import type { DicomContext } from '../formats/dicom/context.ts';
import { parseHeader } from '../formats/dicom/parse.ts';
import { dicomReader } from '../formats/dicom/reader.ts';
import { readRegions } from '../formats/dicom/regions.ts';
import { transferSyntaxByUid } from '../formats/dicom/transfer-syntaxes.ts';
import { openFileSource } from '../formats/file-source.ts';
import { type CleanContext, cleanDataSet } from './dicom-dataset.ts';
import { applyMask, bandMask, type PixelMask, regionMask } from './dicom-pixels.ts';
import { encodeElements, type OutElement, textValue, u16, u32, uidValue } from './encode.ts';
import { remapUid } from './uid-remap.ts';

export interface DicomDeidOptions {
  /** The project's UID secret (uid-remap.ts). */
  projectSecret: Buffer;
  /** A cine without a Sequence of Ultrasound Regions: blank the top band, or refuse it. */
  withoutRegions: 'band' | 'refuse';
  bandPercent: number;
  maxDecodedBytes: number;
}

export interface DicomDeidSummary {
  frames: number;
  mask: { kind: 'regions' | 'band'; amount: number };
  counts: CleanContext['counts'];
}

const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
/** EchoCloud's implementation class UID (as in src/formats/dicom-writer). */
const IMPLEMENTATION_UID = '2.25.200934882117389104913306389151733712391';
const METHOD = 'PS3.15 E.1 Basic Profile\\Clean Pixel Data: outside US regions';

/**
 * De-identifies one DICOM file into `outPath` (created with mode 0600), as Explicit VR Little Endian with
 * uncompressed pixels: the Basic Application Level Confidentiality Profile on the attributes (profile.ts),
 * private groups, curves and overlays removed, UIDs remapped per project, and every pixel outside the
 * union of the ultrasound regions set to 0 (or, without regions, the top band; or refused).
 * The pixels are decoded by the DICOM reader (so every supported transfer syntax works) and written in its
 * output form: grey MONOCHROME2 or interleaved RGB, 8 or 16 bits unsigned.
 */
export async function deidentifyDicomFile(inPath: string, outPath: string, name: string, options: DicomDeidOptions): Promise<DicomDeidSummary> {
  const source = await openFileSource(inPath, name);
  const ctx: DicomContext = { file: name, cap: options.maxDecodedBytes, onAllocate: undefined };
  try {
    const header = await parseHeader(source, ctx);
    const ts = transferSyntaxByUid(header.transferSyntaxUid);
    const cine = await dicomReader.open(source, { limits: { maxDecodedBytes: options.maxDecodedBytes } });
    try {
      const ds = header.dataSet;
      const regions = readRegions(ds) ?? [];
      let mask: PixelMask;
      if (regions.length > 0) mask = regionMask(cine.height, cine.width, regions);
      else if (options.withoutRegions === 'band') mask = bandMask(cine.height, cine.width, options.bandPercent);
      else {
        throw new EchoError(
          'DEIDENTIFY_REFUSED',
          `DICOM file "${name}" has no Sequence of Ultrasound Regions (0018,6011), so burned-in text cannot be told from the image; ECHO_CLOUD_DEIDENTIFY_WITHOUT_REGIONS=refuse (set it to band to blank the top band instead)`,
          { details: { file: name } },
        );
      }
      const clean: CleanContext = { projectSecret: options.projectSecret, littleEndian: ts?.littleEndian ?? true, counts: { removed: 0, emptied: 0, dummied: 0, remapped: 0 } };
      const elements = cleanDataSet(ds, clean, true);
      const bits = cine.bitsPerSample;
      elements.push(
        { tag: 0x00280002, vr: 'US', value: u16(cine.channels) },
        { tag: 0x00280004, vr: 'CS', value: textValue(cine.channels === 3 ? 'RGB' : 'MONOCHROME2') },
        ...(cine.channels === 3 ? [{ tag: 0x00280006, vr: 'US', value: u16(0) }] : []),
        { tag: 0x00280100, vr: 'US', value: u16(bits) },
        { tag: 0x00280101, vr: 'US', value: u16(bits) },
        { tag: 0x00280102, vr: 'US', value: u16(bits - 1) },
        { tag: 0x00280103, vr: 'US', value: u16(0) },
        { tag: 0x00280303, vr: 'CS', value: textValue('REMOVED') },
        { tag: 0x00120062, vr: 'CS', value: textValue('YES') },
        { tag: 0x00120063, vr: 'LO', value: textValue(METHOD) },
        { tag: 0x00120064, vr: 'SQ', value: [code('113100', 'Basic Application Confidentiality Profile'), code('113101', 'Clean Pixel Data Option')] },
      );
      const sopClass = (ds.string('x00080016') ?? '').trim();
      let sopInstance = elements.find((e) => e.tag === 0x00080018);
      if (!sopInstance) {
        // A bare data set without a SOP Instance UID gets one derived from its study and series.
        const seed = `${ds.string('x0020000d') ?? ''}/${ds.string('x0020000e') ?? ''}/${name}`;
        sopInstance = { tag: 0x00080018, vr: 'UI', value: uidValue(remapUid(options.projectSecret, seed)) };
        elements.push(sopInstance);
      }
      const meta = encodeElements([
        { tag: 0x00020001, vr: 'OB', value: Buffer.from([0, 1]) },
        { tag: 0x00020002, vr: 'UI', value: uidValue(sopClass) },
        { tag: 0x00020003, vr: 'UI', value: sopInstance.value as Buffer },
        { tag: 0x00020010, vr: 'UI', value: uidValue(EXPLICIT_VR_LE) },
        { tag: 0x00020012, vr: 'UI', value: uidValue(IMPLEMENTATION_UID) },
        { tag: 0x00020013, vr: 'SH', value: textValue('ECHOCLOUD') },
      ]);
      const frameBytes = cine.height * cine.width * cine.channels * (bits / 8);
      const pixelBytes = frameBytes * cine.frames;
      const pad = pixelBytes % 2;
      const pixelHead = Buffer.alloc(12);
      pixelHead.writeUInt16LE(0x7fe0, 0);
      pixelHead.writeUInt16LE(0x0010, 2);
      pixelHead.write(bits === 8 ? 'OB' : 'OW', 4, 'latin1');
      pixelHead.writeUInt32LE(pixelBytes + pad, 8);

      const out = await open(outPath, 'wx', 0o600);
      let ok = false;
      try {
        await out.write(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), encodeElements([{ tag: 0x00020000, vr: 'UL', value: u32(meta.length) }]), meta, encodeElements(elements), pixelHead]));
        for (let i = 0; i < cine.frames; i++) {
          const frame = await cine.frame(i);
          applyMask(frame, mask, cine.channels);
          await out.write(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
        }
        if (pad) await out.write(Buffer.alloc(1));
        await out.sync();
        ok = true;
      } finally {
        await out.close();
        if (!ok) await rm(outPath, { force: true });
      }
      return { frames: cine.frames, mask: { kind: mask.kind, amount: mask.amount }, counts: clean.counts };
    } finally {
      await cine.close();
    }
  } finally {
    await source.close();
  }
}

function code(value: string, meaning: string): OutElement[] {
  return [
    { tag: 0x00080100, vr: 'SH', value: textValue(value) },
    { tag: 0x00080102, vr: 'SH', value: textValue('DCM') },
    { tag: 0x00080104, vr: 'LO', value: textValue(meaning) },
  ];
}

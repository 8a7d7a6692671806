/**
 * PALETTE COLOR: the Red/Green/Blue Palette Color Lookup Tables (0028,1101..1103 descriptors,
 * 0028,1201..1203 data). Like pydicom's apply_color_lut, the entry size is taken from the data length
 * (bytes / entries: 1 or 2). 16-bit entries are mapped to 8 bits by their high byte (v >> 8), unless the
 * descriptor says 8 bits per entry (then the low byte is the value). Output is always 8-bit RGB.
 */
import type { DataSet } from 'dicom-parser';
import { corrupt, type DicomContext, unsupported } from './context.ts';
import type { PixelModule } from './pixel-module.ts';
import { TAG, type TagKeyword, tagLabel } from './tags.ts';

export interface Palette {
  /** First stored value mapped by entry 0. */
  firstMapped: number;
  /** Entries × 3, interleaved R G B, 8-bit. */
  rgb: Uint8Array;
  entries: number;
}

const CHANNELS = [
  ['RedPaletteColorLookupTableDescriptor', 'RedPaletteColorLookupTableData'],
  ['GreenPaletteColorLookupTableDescriptor', 'GreenPaletteColorLookupTableData'],
  ['BluePaletteColorLookupTableDescriptor', 'BluePaletteColorLookupTableData'],
] as const satisfies readonly (readonly [TagKeyword, TagKeyword])[];

export function readPalette(ds: DataSet, ctx: DicomContext, littleEndian: boolean): Palette {
  let palette: Palette | null = null;
  CHANNELS.forEach(([descKey, dataKey], channel) => {
    const desc = ds.elements[TAG[descKey]];
    const data = ds.elements[TAG[dataKey]];
    if (!desc || desc.length < 6) {
      throw corrupt(ctx, `${tagLabel(descKey)} missing or short (PALETTE COLOR needs it); segmented palettes are not supported`);
    }
    if (!data || data.length === 0) {
      throw unsupported(ctx, `${tagLabel(dataKey)} missing; supported: PALETTE COLOR with full (not segmented) lookup tables`);
    }
    const entries = ds.uint16(TAG[descKey], 0) || 65536;
    // The first mapped value is US or SS depending on PixelRepresentation; both read the same bits.
    const firstRaw = ds.uint16(TAG[descKey], 1) ?? 0;
    const bitsPerEntry = ds.uint16(TAG[descKey], 2) ?? 16;
    const bytesPerEntry = data.length / entries;
    if (bytesPerEntry !== 1 && bytesPerEntry !== 2) {
      throw corrupt(ctx, `${tagLabel(dataKey)} holds ${data.length} bytes for ${entries} entries (expected 1 or 2 bytes each)`);
    }
    palette ??= { firstMapped: firstRaw, rgb: new Uint8Array(entries * 3), entries };
    if (palette.entries !== entries) throw corrupt(ctx, `the three palette descriptors declare different numbers of entries`);
    const bytes = ds.byteArray;
    const view = new DataView(bytes.buffer, bytes.byteOffset + data.dataOffset, data.length);
    for (let i = 0; i < entries; i += 1) {
      let v: number;
      if (bytesPerEntry === 1) v = view.getUint8(i);
      else {
        const word = view.getUint16(i * 2, littleEndian);
        v = bitsPerEntry === 8 ? word & 0xff : word >> 8;
      }
      palette.rgb[i * 3 + channel] = v;
    }
  });
  return palette!;
}

/** Looks every value up; values outside the table take its first or last entry (PS3.3 C.7.6.3.1.5). */
export function applyPalette(values: Uint32Array, palette: Palette, px: PixelModule): Uint8Array {
  const out = new Uint8Array(values.length * 3);
  const bits = px.bitsStored;
  // normaliseBits shifted signed values up by 2^(bits-1); undo that for the lookup.
  const shift = px.pixelRepresentation === 1 ? 2 ** (bits - 1) : 0;
  const first = px.pixelRepresentation === 1 && palette.firstMapped >= 32768 ? palette.firstMapped - 65536 : palette.firstMapped;
  const last = palette.entries - 1;
  for (let i = 0; i < values.length; i += 1) {
    let k = values[i]! - shift - first;
    k = Math.min(last, Math.max(0, k));
    out[i * 3] = palette.rgb[k * 3]!;
    out[i * 3 + 1] = palette.rgb[k * 3 + 1]!;
    out[i * 3 + 2] = palette.rgb[k * 3 + 2]!;
  }
  return out;
}

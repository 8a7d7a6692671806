import type { UltrasoundRegion } from '../ports/cine-reader.ts';

/** Which pixels survive: inside the union of the ultrasound regions, or below the blanked top band. */
export interface PixelMask {
  /** rows × columns, 1 = keep. */
  keep: Uint8Array;
  kind: 'regions' | 'band';
  /** Regions used, or rows blanked for a band. */
  amount: number;
}

export function regionMask(rows: number, columns: number, regions: readonly UltrasoundRegion[]): PixelMask {
  const keep = new Uint8Array(rows * columns);
  for (const r of regions) {
    const x0 = Math.max(0, Math.min(r.x0, r.x1));
    const x1 = Math.min(columns - 1, Math.max(r.x0, r.x1));
    const y0 = Math.max(0, Math.min(r.y0, r.y1));
    const y1 = Math.min(rows - 1, Math.max(r.y0, r.y1));
    for (let y = y0; y <= y1; y++) keep.fill(1, y * columns + x0, y * columns + x1 + 1);
  }
  return { keep, kind: 'regions', amount: regions.length };
}

export function bandMask(rows: number, columns: number, percent: number): PixelMask {
  const band = Math.min(rows, Math.ceil((rows * percent) / 100));
  const keep = new Uint8Array(rows * columns);
  keep.fill(1, band * columns);
  return { keep, kind: 'band', amount: band };
}

/** Zeroes every sample of every pixel the mask does not keep (frame: rows × columns × channels, interleaved). */
export function applyMask(frame: Uint8Array | Uint16Array, mask: PixelMask, channels: number): void {
  const { keep } = mask;
  for (let p = 0; p < keep.length; p++) {
    if (keep[p]) continue;
    const at = p * channels;
    for (let c = 0; c < channels; c++) frame[at + c] = 0;
  }
}

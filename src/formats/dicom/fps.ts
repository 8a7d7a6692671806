/**
 * Frame rate from the Cine module, first found wins: Frame Time (0018,1063, ms per frame), Frame Time
 * Vector (0018,1065: ms between frames; the first value is 0 by definition and is skipped, the rest
 * averaged), Cine Rate (0018,0040, frames/s), Recommended Display Frame Rate (0008,2144, frames/s).
 * Values giving an fps outside (0, 10000] are ignored.
 */
import type { DataSet } from 'dicom-parser';
import { TAG } from './tags.ts';

export interface FpsFound {
  fps: number;
  source: 'FrameTime' | 'FrameTimeVector' | 'CineRate' | 'RecommendedDisplayFrameRate';
}

function plausible(fps: number): boolean {
  return Number.isFinite(fps) && fps > 0 && fps <= 10000;
}

function numbers(ds: DataSet, tag: string): number[] {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return [];
  return readAll(ds, tag)
    .split('\\')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map(Number)
    .filter((v) => Number.isFinite(v));
}

function readAll(ds: DataSet, tag: string): string {
  const el = ds.elements[tag]!;
  let text = '';
  const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  for (const b of bytes) text += String.fromCharCode(b);
  return text.replace(/\0/g, '');
}

export function findFps(ds: DataSet): FpsFound | null {
  const frameTime = numbers(ds, TAG.FrameTime)[0];
  if (frameTime !== undefined && plausible(1000 / frameTime)) return { fps: 1000 / frameTime, source: 'FrameTime' };
  const vector = numbers(ds, TAG.FrameTimeVector).slice(1);
  if (vector.length > 0) {
    const mean = vector.reduce((a, b) => a + b, 0) / vector.length;
    if (plausible(1000 / mean)) return { fps: 1000 / mean, source: 'FrameTimeVector' };
  }
  const cineRate = numbers(ds, TAG.CineRate)[0];
  if (cineRate !== undefined && plausible(cineRate)) return { fps: cineRate, source: 'CineRate' };
  const display = numbers(ds, TAG.RecommendedDisplayFrameRate)[0];
  if (display !== undefined && plausible(display)) return { fps: display, source: 'RecommendedDisplayFrameRate' };
  return null;
}

/** Pixel Spacing (0028,0030): row spacing \ column spacing, in mm. */
export function findPixelSpacing(ds: DataSet): { row: number; column: number } | null {
  const values = numbers(ds, TAG.PixelSpacing);
  const [row, column] = values;
  if (row === undefined || column === undefined || !(row > 0) || !(column > 0)) return null;
  return { row, column };
}

/**
 * Where each frame's bytes are: native pixel data is one slice per frame of the Pixel Data value;
 * encapsulated pixel data is a list of fragments per frame (see `encapsulated.ts`). Bytes are read only
 * when a frame is asked for.
 */
import type { Element } from 'dicom-parser';
import { frameRuns, MAX_RUN_BYTES } from '../frame-runs.ts';
import { corrupt, type DicomContext, reserve } from './context.ts';
import { extendedOffsets, framesFromFragments, readFragments } from './encapsulated.ts';
import type { ParsedHeader } from './parse.ts';
import { nativeFrameBytes, type PixelModule } from './pixel-module.ts';
import { tagLabel } from './tags.ts';
import type { TransferSyntax } from './transfer-syntaxes.ts';

export interface FrameBytes {
  /** Fragments (or 1 for native) per frame, for metadata. */
  readonly fragments: number;
  readonly encapsulated: boolean;
  /** Whether `read` gives the caller bytes of its own (a region nothing else holds) it may keep as is. */
  readonly owned: boolean;
  read(index: number): Promise<Uint8Array>;
}

const PIXEL = tagLabel('PixelData');

export async function locateFrames(header: ParsedHeader, px: PixelModule, ts: TransferSyntax, ctx: DicomContext): Promise<FrameBytes> {
  const el: Element = header.pixelData;
  const undefinedLength = el.length === 0xffffffff;
  const bytes = header.bytes;
  if (ts.encoding === 'native') {
    if (undefinedLength) throw corrupt(ctx, `${PIXEL} is encapsulated (undefined length) but ${ts.name} stores pixels natively`);
    const perFrame = nativeFrameBytes(px);
    const needed = perFrame * px.frames;
    if (el.length < needed) {
      throw corrupt(ctx, `${PIXEL} holds ${el.length} bytes, the header declares ${px.frames} frames of ${perFrame} bytes (${needed})`);
    }
    if (el.dataOffset + needed > bytes.size) {
      throw corrupt(ctx, `${PIXEL} declares ${el.length} bytes at byte ${el.dataOffset}, the file ends at ${bytes.size} (truncated)`);
    }
    // Frames are read in runs while they are asked for in order, each frame handed out once as the
    // caller's own (frame-runs.ts), so that the decoder need not copy it.
    const runs = frameRuns((offset, length) => bytes.readOwned(offset, length), el.dataOffset, perFrame, px.frames, {
      maxRunBytes: Math.min(MAX_RUN_BYTES, ctx.cap),
      handOut: true,
    });
    return {
      fragments: 1,
      encapsulated: false,
      owned: true,
      read: (index) => runs.frame(index),
    };
  }
  if (!undefinedLength) throw corrupt(ctx, `${PIXEL} has a defined length (${el.length}) but ${ts.name} needs encapsulated pixel data`);
  const { bot, fragments } = await readFragments(bytes, el.dataOffset, ctx);
  const perFrame = framesFromFragments(fragments, bot, extendedOffsets(header.dataSet, ctx), px.frames, ctx);
  return {
    fragments: fragments.length,
    encapsulated: true,
    owned: false,
    async read(index) {
      const parts = perFrame[index]!.map((i) => fragments[i]!);
      const total = parts.reduce((sum, f) => sum + f.length, 0);
      reserve(ctx, total, `the compressed bytes of frame ${index}`);
      if (parts.length === 1) return bytes.read(parts[0]!.position, parts[0]!.length);
      const out = new Uint8Array(total);
      let at = 0;
      for (const f of parts) {
        out.set(await bytes.read(f.position, f.length), at);
        at += f.length;
      }
      return out;
    },
  };
}

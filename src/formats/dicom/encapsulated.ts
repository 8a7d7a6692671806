/**
 * Encapsulated pixel data (PS3.5 A.4): items (FFFE,E000) after the Pixel Data header, the first being
 * the Basic Offset Table, ended by a Sequence Delimiter (FFFE,E0DD). Only item headers (and the first
 * bytes of each fragment) are read here; fragment bytes are read when their frame is asked for.
 *
 * Frames from fragments, in this order: the Extended Offset Table (7FE0,0001) when present; the Basic
 * Offset Table when not empty; one frame → all fragments; as many fragments as frames → one each; more
 * fragments than frames → a new frame at each fragment that starts a codestream (JPEG SOI FFD8, JPEG 2000
 * SOC FF4F or a JP2 signature box).
 */
import type { DataSet } from 'dicom-parser';
import { startsFrame } from './codecs/markers.ts';
import { corrupt, type DicomContext, reserve } from './context.ts';
import type { ByteReader } from './parse.ts';
import { TAG, tagLabel } from './tags.ts';

export interface Fragment {
  /** Offset of the item header, relative to the first fragment's item header (what offset tables hold). */
  itemOffset: number;
  /** Where the fragment's bytes start, in ByteReader coordinates. */
  position: number;
  length: number;
  startsFrame: boolean;
}

const ITEM = 0xe000;
const SEQUENCE_DELIMITER = 0xe0dd;
const PIXEL = tagLabel('PixelData');

/** Reads the item headers; `start` is the first byte after the Pixel Data element header. */
export async function readFragments(bytes: ByteReader, start: number, ctx: DicomContext): Promise<{ bot: number[]; fragments: Fragment[] }> {
  let at = start;
  let bot: number[] | null = null;
  const fragments: Fragment[] = [];
  let firstItem = -1;
  for (;;) {
    if (at + 8 > bytes.size) {
      // A missing delimiter at the very end of the file is tolerated (some writers omit it).
      if (at === bytes.size && bot !== null) break;
      throw corrupt(ctx, `${PIXEL}: item header expected at byte ${at}, the file ends at ${bytes.size}`);
    }
    const head = await bytes.read(at, 12);
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const group = view.getUint16(0, true);
    const element = view.getUint16(2, true);
    const length = view.getUint32(4, true);
    if (group === 0xfffe && element === SEQUENCE_DELIMITER) break;
    if (group !== 0xfffe || element !== ITEM) {
      throw corrupt(ctx, `${PIXEL}: expected an item (FFFE,E000) at byte ${at}, found (${hex(group)},${hex(element)})`);
    }
    if (length === 0xffffffff || at + 8 + length > bytes.size) {
      throw corrupt(ctx, `${PIXEL}: the item at byte ${at} declares ${length} bytes, past the end of the file (${bytes.size})`);
    }
    if (bot === null) {
      if (length % 4 !== 0) throw corrupt(ctx, `${PIXEL}: the Basic Offset Table length ${length} is not a multiple of 4`);
      reserve(ctx, length, 'the Basic Offset Table');
      const table = await bytes.read(at + 8, length);
      const tv = new DataView(table.buffer, table.byteOffset, table.byteLength);
      bot = [];
      for (let i = 0; i + 4 <= table.length; i += 4) bot.push(tv.getUint32(i, true));
    } else {
      if (firstItem < 0) firstItem = at;
      // Each fragment costs a small record: bound their number by the cap like any allocation.
      if ((fragments.length + 1) * 64 > ctx.cap) reserve(ctx, (fragments.length + 1) * 64, 'the fragment list');
      fragments.push({ itemOffset: at - firstItem, position: at + 8, length, startsFrame: startsFrame(head.subarray(8, 8 + Math.min(length, 4))) });
    }
    at += 8 + length;
  }
  return { bot: bot ?? [], fragments };
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** Which fragments make each frame: `frames` lists of fragment indexes. */
export function framesFromFragments(
  fragments: Fragment[],
  bot: number[],
  extended: number[] | null,
  frames: number,
  ctx: DicomContext,
): number[][] {
  if (fragments.length === 0) throw corrupt(ctx, `${PIXEL} holds no fragments`);
  const table = extended ?? (bot.length > 0 ? bot : null);
  if (table) {
    const label = extended ? tagLabel('ExtendedOffsetTable') : 'the Basic Offset Table';
    if (table.length !== frames) throw corrupt(ctx, `${label} has ${table.length} entries for ${frames} frames`);
    const byOffset = new Map(fragments.map((f, i) => [f.itemOffset, i]));
    const starts = table.map((offset, i) => {
      const index = byOffset.get(offset);
      if (index === undefined) throw corrupt(ctx, `${label} entry ${i} (${offset}) is not the offset of a fragment`);
      return index;
    });
    return byStarts(starts, fragments.length, ctx, label);
  }
  if (frames === 1) return [fragments.map((_, i) => i)];
  if (fragments.length === frames) return fragments.map((_, i) => [i]);
  if (fragments.length < frames) throw corrupt(ctx, `${PIXEL} holds ${fragments.length} fragments for ${frames} frames`);
  const starts = fragments.flatMap((f, i) => (f.startsFrame ? [i] : []));
  if (starts.length !== frames || starts[0] !== 0) {
    throw corrupt(
      ctx,
      `${PIXEL} holds ${fragments.length} fragments for ${frames} frames, with no offset table, and ${starts.length} of them start a codestream`,
    );
  }
  return byStarts(starts, fragments.length, ctx, 'the codestream starts');
}

function byStarts(starts: number[], count: number, ctx: DicomContext, label: string): number[][] {
  return starts.map((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]! : count;
    if (end <= start) throw corrupt(ctx, `${label} are not in increasing order (frame ${i})`);
    return Array.from({ length: end - start }, (_, k) => start + k);
  });
}

/** The Extended Offset Table (7FE0,0001, 64-bit offsets), when present. */
export function extendedOffsets(ds: DataSet, ctx: DicomContext): number[] | null {
  const el = ds.elements[TAG.ExtendedOffsetTable];
  if (!el || el.length === 0) return null;
  if (el.length % 8 !== 0) throw corrupt(ctx, `${tagLabel('ExtendedOffsetTable')} length ${el.length} is not a multiple of 8`);
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length);
  const out: number[] = [];
  for (let i = 0; i < el.length; i += 8) out.push(Number(view.getBigUint64(i, true)));
  return out;
}

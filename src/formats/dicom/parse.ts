/**
 * Parses the data set up to the Pixel Data element with dicom-parser, reading the file from the start
 * in growing chunks (64 KiB, then ×4) so that a large file's pixel data is never read here: only the
 * header is held in memory, and frames are read later through `bytes`. A deflated data set is inflated
 * whole (bounded by the cap), since it cannot be read in pieces.
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { isEchoError } from '../../errors/catalogue.ts';
import type { CineSource } from '../../ports/cine-reader.ts';
import { corrupt, type DicomContext, noPixelData, reserve, thrownText, tooLarge } from './context.ts';
import { detectLayout, type Layout } from './sniff.ts';
import { TAG, tagLabel } from './tags.ts';
import { DEFLATED_LE } from './transfer-syntaxes.ts';

/** Random access to the bytes of the data set, in the coordinates of `dataSet.byteArray`. */
export interface ByteReader {
  readonly size: number;
  /** The bytes, possibly shared with the header held in memory: copy before keeping or changing them. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Like `read`, in a buffer of the caller's own (fresh, shared with nothing). */
  readOwned(offset: number, length: number): Promise<Uint8Array>;
}

export interface ParsedHeader {
  dataSet: DataSet;
  transferSyntaxUid: string;
  pixelData: Element;
  bytes: ByteReader;
  layout: Layout['kind'];
}

const FIRST_CHUNK = 64 * 1024;
const PREAMBLE = 132;

class NeedWholeFile extends Error {}

type Attempt = { ok: true; header: ParsedHeader } | { ok: false; error: unknown; missingPixelData: boolean };

export async function parseHeader(source: CineSource, ctx: DicomContext): Promise<ParsedHeader> {
  const first = await source.read(0, Math.min(source.size, 512));
  const layout = detectLayout(first);
  if (!layout) {
    throw corrupt(ctx, 'no "DICM" marker at byte 128 and no DICOM data element at byte 0 (is it a DICOM file?)');
  }
  // A meta group without preamble is given a blank one, so dicom-parser reads it as Part 10.
  const shift = layout.kind === 'meta-without-preamble' ? PREAMBLE : 0;
  let want = Math.min(source.size, FIRST_CHUNK);
  for (;;) {
    reserve(ctx, want + shift, 'the DICOM header');
    const raw = await source.read(0, want);
    const whole = raw.length >= source.size;
    let head = raw;
    if (shift > 0) {
      head = new Uint8Array(raw.length + shift);
      head.set([0x44, 0x49, 0x43, 0x4d], 128);
      head.set(raw, shift);
    }
    const attempt = tryParse(head, layout, ctx, whole, source, shift);
    if (attempt.ok) return attempt.header;
    if (whole || raw.length < want) {
      if (attempt.missingPixelData) {
        throw noPixelData(ctx, `${tagLabel('PixelData')} missing: the data set has no pixel data (is it an image?)`);
      }
      throw corrupt(ctx, `the data set cannot be parsed: ${thrownText(attempt.error)}`);
    }
    want = attempt.error instanceof NeedWholeFile ? source.size : Math.min(source.size, want * 4);
  }
}

function tryParse(
  head: Uint8Array,
  layout: Layout,
  ctx: DicomContext,
  whole: boolean,
  source: CineSource,
  shift: number,
): Attempt {
  let inflated = false;
  const inflater = (bytes: Uint8Array, position: number): Uint8Array => {
    if (!whole) throw new NeedWholeFile('deflated data set');
    inflated = true;
    let body: Uint8Array;
    try {
      body = inflateRawSync(bytes.subarray(position), { maxOutputLength: Math.max(1, ctx.cap - position) });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(ctx, 'the inflated data set', Number.POSITIVE_INFINITY);
      throw corrupt(ctx, `the deflated data set cannot be inflated: ${thrownText(err)}`);
    }
    reserve(ctx, position + body.length, 'the inflated data set');
    const full = new Uint8Array(position + body.length);
    full.set(bytes.subarray(0, position));
    full.set(body, position);
    return full;
  };
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(head, {
      untilTag: TAG.PixelData,
      ...(layout.kind === 'raw' ? { TransferSyntaxUID: layout.transferSyntax } : {}),
      // dicom-parser's typing says void; it uses the returned array.
      inflater: inflater as unknown as (arr: Uint8Array, position: number) => void,
    });
  } catch (err) {
    // Coded errors (cap, inflate) are final; anything dicom-parser throws may mean "read more".
    const inner = typeof err === 'object' && err !== null && 'exception' in err ? err.exception : err;
    if (isEchoError(inner)) throw inner;
    return { ok: false, error: inner, missingPixelData: false };
  }
  const pixelData = dataSet.elements[TAG.PixelData];
  if (!pixelData) return { ok: false, error: new Error('no pixel data'), missingPixelData: true };
  const uid = (layout.kind === 'raw' ? layout.transferSyntax : dataSet.string(TAG.TransferSyntaxUID)) ?? '';
  const memory = dataSet.byteArray;
  const bytes: ByteReader =
    inflated || uid === DEFLATED_LE
      ? {
          size: memory.length,
          read: async (offset, length) => memory.subarray(offset, Math.min(memory.length, offset + length)),
          readOwned: async (offset, length) => memory.slice(offset, Math.min(memory.length, offset + length)),
        }
      : {
          size: source.size + shift,
          read: async (offset, length) =>
            offset + length <= head.length ? head.subarray(offset, offset + length) : source.read(offset - shift, length),
          // CineSource.read gives the caller its own buffer (ports/cine-reader.ts).
          readOwned: async (offset, length) =>
            offset + length <= head.length ? head.slice(offset, offset + length) : source.read(offset - shift, length),
        };
  return { ok: true, header: { dataSet, transferSyntaxUid: uid.trim(), pixelData, bytes, layout: layout.kind } };
}

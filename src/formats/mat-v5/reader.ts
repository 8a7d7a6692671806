import { EchoError, toEchoError } from '../../errors/catalogue.ts';
import type { Cine, CineReader, CineSource, ReadOptions } from '../../ports/cine-reader.ts';
import { sourceBytes } from './bytes.ts';
import { miName } from './constants.ts';
import { type MatContext, tooLarge, unsupported } from './context.ts';
import { checkFrameAccess } from '../mat-common/errors.ts';
import { HEADER_BYTES, looksLikeMat, parseHeader, VERSION_73 } from '../mat-common/header.ts';
import { findFps, saysColour } from './hints.ts';
import { matCineFields } from '../mat-common/cine-fields.ts';
import { layoutOf } from '../mat-common/layout.ts';
import { locateCine } from '../mat-common/locate.ts';
import { dimsText } from './nodes.ts';
import { chooseMapping, type RawFrames, rawFrames, toFrame } from './normalise.ts';
import { indexVariables } from './variables.ts';
import { fifo } from '../../util/fifo.ts';

export const MAT_V5 = 'mat-v5';

export interface MatV5ReaderOptions {
  /** Called for every buffer allocated from a size found in the file (lets tests check the cap). */
  onAllocate?: (bytes: number, what: string) => void;
}

/**
 * CineReader for MATLAB MAT-files Level 5 (MATLAB v6 and v7, compressed or not, either byte order), as
 * scipy.io.loadmat reads them. What is supported and how values become pixels: docs/formats.md.
 */
export function createMatV5Reader(readerOptions: MatV5ReaderOptions = {}): CineReader {
  return {
    format: MAT_V5,
    sniff: (head) => looksLikeMat(head),
    async open(source, options) {
      try {
        return await openMat(source, options, readerOptions);
      } catch (err) {
        // Anything not already coded is a bug in this reader, not a fault in the file: say so.
        throw toEchoError(err, 'INTERNAL', `reading MAT file "${source.name}"`);
      }
    },
  };
}

export const matV5Reader: CineReader = createMatV5Reader();

async function openMat(source: CineSource, options: ReadOptions, readerOptions: MatV5ReaderOptions): Promise<Cine> {
  const cap = options.limits.maxDecodedBytes;
  if (!(cap > 0)) throw new EchoError('CONFIG_INVALID', `limits.maxDecodedBytes must be a positive number, got ${cap}`);
  const head = await source.read(0, HEADER_BYTES);
  const header = parseHeader(head, source.name);
  const ctx: MatContext = {
    file: source.name,
    littleEndian: header.littleEndian,
    cap,
    onAllocate: readerOptions.onAllocate,
    arrays: 0,
  };
  if (header.version === VERSION_73) {
    throw unsupported(
      ctx,
      'MAT v7.3 (HDF5) files are not supported yet; supported: MAT v6 and v7 (re-save with save(file, "-v7"))',
    );
  }

  const vars = await indexVariables(sourceBytes(source), ctx);
  const located = await locateCine(vars, ctx, options.variable);
  const { node, path } = located;
  const layout = layoutOf(node.dims, await saysColour(located, ctx), ctx, path);
  const perFrame = layout.height * layout.width * layout.channels;
  // Check the declared pixel data against the cap before reading any of it (1 byte a sample at least).
  if (layout.frames * perFrame > cap) throw tooLarge(ctx, `the cine ${path} (${dimsText(node.dims)})`, layout.frames * perFrame);
  const mapping = await chooseMapping(node, ctx);
  const decoded = layout.frames * perFrame * (mapping.bits / 8);
  if (decoded > cap) throw tooLarge(ctx, `the cine ${path} as ${mapping.bits}-bit samples`, decoded);
  const fps = await findFps(located, vars, ctx);

  const type = node.data.type;
  // Dropped on close, so that an inflated variable (or the latest run of frames read) can be collected.
  let raw: RawFrames | null = rawFrames(node.data, layout, ctx);
  const inTurn = fifo();
  const common = matCineFields({ layout, mapping, fps, path, node, matHeader: header.text });
  const cine: Cine = {
    format: MAT_V5,
    ...common.shape,
    metadata: {
      ...common.metadata,
      storedType: miName(node.data.type),
      endian: header.littleEndian ? 'little' : 'big',
      compressed: node.data.bytes.inflated,
    },
    frame(index) {
      // One frame at a time: a frame's bytes may sit in a buffer that the next read refills
      // (normalise.ts), so each is converted before the next read starts.
      return inTurn(async () => {
        checkFrameAccess(source.name, raw === null, index, layout.frames);
        try {
          return toFrame(await raw!(index), type, layout, mapping, index, ctx);
        } catch (err) {
          throw toEchoError(err, 'INTERNAL', `reading frame ${index} of MAT file "${source.name}"`);
        }
      });
    },
    async close() {
      raw = null;
    },
  };
  return cine;
}

import { EchoError, toEchoError } from '../../errors/catalogue.ts';
import type { Cine, CineReader, CineSource, ReadOptions } from '../../ports/cine-reader.ts';
import { checkFrameAccess, corrupt, type MatFile, tooLarge, unsupported } from '../mat-common/errors.ts';
import { HEADER_BYTES, looksLikeMat73, parseHeader, VERSION_73 } from '../mat-common/header.ts';
import { findFps, saysColour } from '../mat-common/hints.ts';
import { matCineFields } from '../mat-common/cine-fields.ts';
import { layoutOf } from '../mat-common/layout.ts';
import { locateCine } from '../mat-common/locate.ts';
import { chooseMapping, columnMajorToFrame } from '../mat-common/mapping.ts';
import { dimsText, elementCount } from '../mat-common/nodes.ts';
import { type H5File, openH5 } from './h5-file.ts';
import { h5Runtime, SUPPORTED_FILTERS, SUPPORTED_FILTERS_TEXT } from './h5-runtime.ts';
import { localFile } from './local-file.ts';
import { listVariables } from './tree.ts';
import { frameRanges, readValues, scanRange, valueReader } from './values.ts';

export const MAT_V73 = 'mat-v73';

export interface MatV73ReaderOptions {
  /** Called for every buffer allocated from a size found in the file (lets tests check the cap). */
  onAllocate?: (bytes: number, what: string) => void;
}

/** MATLAB's v7.3 files are HDF5 files whose first 512 bytes (the user block) hold the MAT header. */
const USER_BLOCK = 512;
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/**
 * The largest frame read in one piece, as stored: HDF5 reads it into WebAssembly memory (at most 2 GiB
 * in all) and h5wasm copies it out once, so a frame must leave room for both.
 */
const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/**
 * CineReader for MATLAB MAT-files v7.3 (`save -v7.3`: HDF5 with a MAT header), read with h5wasm. Where
 * the cine is, its layout and how values become pixels follow the same rules as the mat-v5 reader
 * (src/formats/mat-common); docs/formats.md says what is supported and how memory is used.
 */
export function createMatV73Reader(readerOptions: MatV73ReaderOptions = {}): CineReader {
  return {
    format: MAT_V73,
    sniff: (head) => looksLikeMat73(head),
    async open(source, options) {
      try {
        return await openMat73(source, options, readerOptions);
      } catch (err) {
        // Anything not already coded is a bug in this reader, not a fault in the file: say so.
        throw toEchoError(err, 'INTERNAL', `reading MAT v7.3 file "${source.name}"`);
      }
    },
  };
}

export const matV73Reader: CineReader = createMatV73Reader();

async function openMat73(source: CineSource, options: ReadOptions, readerOptions: MatV73ReaderOptions): Promise<Cine> {
  const cap = options.limits.maxDecodedBytes;
  if (!(cap > 0)) throw new EchoError('CONFIG_INVALID', `limits.maxDecodedBytes must be a positive number, got ${cap}`);
  const ctx: MatFile = { file: source.name, cap };
  const head = await source.read(0, USER_BLOCK + HDF5_SIGNATURE.length);
  const header = parseHeader(head.subarray(0, HEADER_BYTES), source.name);
  if (header.version !== VERSION_73) {
    throw unsupported(ctx, 'its header says MAT v6/v7 (version 0x0100), not v7.3 (0x0200): the mat-v5 reader reads it');
  }
  if (head.length < USER_BLOCK + HDF5_SIGNATURE.length) {
    throw corrupt(ctx, `it has ${head.length} bytes and ends before the HDF5 data that a v7.3 file has at byte ${USER_BLOCK}`);
  }
  if (!HDF5_SIGNATURE.every((b, i) => head[USER_BLOCK + i] === b)) {
    throw corrupt(ctx, `there is no HDF5 signature at byte ${USER_BLOCK} (a v7.3 MAT file is HDF5 after a 512-byte header block)`);
  }

  const local = await localFile(source, ctx);
  let revoke: (() => void) | null = null;
  let h5: H5File | null = null;
  const release = async (): Promise<void> => {
    try {
      h5?.close();
    } finally {
      h5 = null;
      revoke?.();
      revoke = null;
      await local.release();
    }
  };
  try {
    const runtime = await h5Runtime();
    revoke = runtime.allow(local.path);
    const file = openH5(runtime, local.path, ctx);
    h5 = file;
    const vars = listVariables(file);
    const located = await locateCine(vars, ctx, options.variable);
    const { node, path } = located;
    const data = node.data;
    const values = valueReader(file);
    const layout = layoutOf(node.dims, await saysColour(located, values), ctx, path);
    const perFrame = layout.height * layout.width * layout.channels;

    // Sizes from the header, checked before any value is read (1 byte a sample at least).
    if (layout.frames * perFrame > cap) throw tooLarge(ctx, `the cine ${path} (${dimsText(node.dims)})`, layout.frames * perFrame);
    const frameBytes = perFrame * data.stored.size;
    if (frameBytes > cap) throw tooLarge(ctx, `one frame of the cine ${path} as stored (${data.stored.size}-byte values)`, frameBytes);
    if (frameBytes > MAX_FRAME_BYTES) {
      throw new EchoError(
        'CINE_TOO_LARGE',
        `MAT file "${source.name}": one frame of the cine ${path} is ${frameBytes} bytes as stored; this reader reads at most ${MAX_FRAME_BYTES} bytes per frame`,
        { details: { file: source.name, bytes: frameBytes } },
      );
    }
    // HDF5 decompresses whole chunks, so a chunk is what one read may allocate.
    const chunkBytes = data.chunks ? elementCount(data.chunks) * data.stored.size : 0;
    if (chunkBytes > cap) throw tooLarge(ctx, `one HDF5 chunk of the cine ${path} (${dimsText(data.chunks ?? [])} values)`, chunkBytes);

    const filters = data.chunks ? file.filters(data.path) : [];
    const missing = filters.find((f) => !SUPPORTED_FILTERS.has(f.id));
    if (missing) {
      throw unsupported(
        ctx,
        `the cine ${path} is stored through the HDF5 filter "${missing.name}" (id ${missing.id}), which this reader does not have; supported: ${SUPPORTED_FILTERS_TEXT}`,
      );
    }

    const mapping = await chooseMapping(node.classId, node.logical, async () => {
      readerOptions.onAllocate?.(frameBytes, `scanning ${path}`);
      return scanRange(file, data, layout, path);
    });
    const decoded = layout.frames * perFrame * (mapping.bits / 8);
    if (decoded > cap) throw tooLarge(ctx, `the cine ${path} as ${mapping.bits}-bit samples`, decoded);
    const fps = await findFps(located, vars, values);

    const common = matCineFields({ layout, mapping, fps, path, node, matHeader: header.text });
    const cine: Cine = {
      format: MAT_V73,
      ...common.shape,
      metadata: {
        ...common.metadata,
        storedType: `${data.stored.kind}${data.stored.size * 8}`,
        hdf5Shape: dimsText(data.shape),
        hdf5Path: data.path,
        chunked: data.chunks !== null,
        filters: filters.map((f) => f.name).join(',') || null,
      },
      async frame(index) {
        checkFrameAccess(source.name, h5 === null, index, layout.frames);
        try {
          readerOptions.onAllocate?.(frameBytes, `frame ${index} as stored`);
          const raw = readValues(h5!, data, frameRanges(data, layout, index), perFrame, `frame ${index} of ${path}`);
          readerOptions.onAllocate?.(perFrame * (mapping.bits / 8), `frame ${index}`);
          return columnMajorToFrame(raw, layout, mapping);
        } catch (err) {
          throw toEchoError(err, 'INTERNAL', `reading frame ${index} of MAT file "${source.name}"`);
        }
      },
      close: release,
    };
    return cine;
  } catch (err) {
    await release().catch(() => {}); // the first error is the one to report
    throw err;
  }
}

import { EchoError } from '../errors/catalogue.ts';
import type { Cine, CineReader, ReadOptions } from '../ports/cine-reader.ts';
import { type FileSource, openFileSource } from './file-source.ts';
import { openMemorySource } from './memory-source.ts';
import { detectFormat, readerFor, supportedFormats } from './registry.ts';

/** How many leading bytes are handed to the readers' `sniff`. */
export const SNIFF_BYTES = 512;

/**
 * Opens a local cine file whatever its format: sniffs the first bytes, picks the reader, opens the cine.
 * Closing the cine closes the file. Rejects with FILE_NOT_FOUND, UNSUPPORTED_FORMAT (naming the file and
 * the supported formats) or whatever the reader rejects with (CINE_*).
 */
export async function openCine(path: string, options: ReadOptions & { name?: string }): Promise<Cine> {
  return openCineWith(null, path, options);
}

/** Like openCine, with a given reader (null: detect it from the content). */
export async function openCineWith(reader: CineReader | null, path: string, options: ReadOptions & { name?: string }): Promise<Cine> {
  return openCineOn(await openFileSource(path, options.name), reader, options);
}

/**
 * Opens a cine from bytes in memory (a worker's decrypted input), for the formats whose readers work on
 * any source (MAT v5, DICOM; MAT v7.3 spools to a private file itself; video needs a file: use openCine).
 */
export async function openCineFromBytes(bytes: Uint8Array, options: ReadOptions & { name: string }): Promise<Cine> {
  return openCineOn(openMemorySource(bytes, options.name), null, options);
}

/** Detects the format (unless a reader is given) and opens the cine; closing the cine closes the source. */
async function openCineOn(source: FileSource, reader: CineReader | null, options: ReadOptions): Promise<Cine> {
  try {
    if (source.size === 0) {
      throw new EchoError('CINE_CORRUPT', `file "${source.name}" is empty (0 bytes); supported: ${supportedFormats()}`, {
        details: { file: source.name },
      });
    }
    let chosen = reader;
    if (!chosen) {
      const head = await source.read(0, SNIFF_BYTES);
      const format = detectFormat(head, source.name);
      if (format === null) {
        throw new EchoError(
          'UNSUPPORTED_FORMAT',
          `file "${source.name}" is not a supported cine format; supported: ${supportedFormats()}`,
          { details: { file: source.name } },
        );
      }
      chosen = readerFor(format);
    }
    const cine = await chosen.open(source, options);
    const closeCine = cine.close.bind(cine);
    cine.close = async () => {
      try {
        await closeCine();
      } finally {
        await source.close();
      }
    };
    return cine;
  } catch (err) {
    await source.close();
    throw err;
  }
}

export interface CineSummary {
  format: string;
  frames: number;
  height: number;
  width: number;
  channels: 1 | 3;
  fps: number | null;
}

/** What `echo-cloud inspect` prints. */
export function summarizeCine(cine: Cine): CineSummary {
  return {
    format: cine.format,
    frames: cine.frames,
    height: cine.height,
    width: cine.width,
    channels: cine.channels,
    fps: cine.fps,
  };
}

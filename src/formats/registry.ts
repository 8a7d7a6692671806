import { EchoError } from '../errors/catalogue.ts';
import type { CineReader } from '../ports/cine-reader.ts';
import { dicomReader } from './dicom/reader.ts';
import { matV5Reader } from './mat-v5/reader.ts';
import { threadedReader } from './isolation/threaded-reader.ts';
import { matV73Reader } from './mat-v73/reader.ts';
import { videoReader } from './video/reader.ts';

/** One supported container: its reader, and what users are told it accepts. */
export interface FormatEntry {
  readonly reader: CineReader;
  readonly description: string;
  /** Usual extensions, lower case with the dot: only a tie-breaker when two readers claim the bytes. */
  readonly extensions: readonly string[];
}

/**
 * Every reader, in the order they are asked. Adding a format (dicom, video, mat-v73) is one line here
 * and a folder under src/formats.
 */
export const FORMATS: readonly FormatEntry[] = [
  // v7.3 before v5: both claim the MATLAB header; v7.3 files (version 0x0200) go to the HDF5 reader.
  // HDF5 runs as WebAssembly that a crafted file can send into an endless loop: in its own thread, with limits.
  {
    reader: threadedReader(matV73Reader, new URL('./mat-v73/reader.ts', import.meta.url).href, 'matV73Reader', { openTimeoutMs: 20_000, frameTimeoutMs: 10_000 }),
    description: 'MATLAB MAT-file v7.3 (HDF5)',
    extensions: ['.mat'],
  },
  { reader: matV5Reader, description: 'MATLAB MAT-file v6/v7 (Level 5)', extensions: ['.mat'] },
  { reader: dicomReader, description: 'DICOM (Part 10 or bare data set; native, deflated, RLE, JPEG baseline/lossless, JPEG-LS, JPEG 2000)', extensions: ['.dcm', '.dicom'] },
  {
    reader: videoReader,
    description: 'AVI, MP4/M4V/3GP, QuickTime MOV, Matroska or WebM video, decoded by ffmpeg',
    extensions: ['.avi', '.mp4', '.m4v', '.mov', '.qt', '.3gp', '.3g2', '.mkv', '.webm'],
  },
];

/** `mat-v5 (MATLAB MAT-file v6/v7 (Level 5), .mat)`, for messages. */
export function supportedFormats(): string {
  return FORMATS.map((f) => `${f.reader.format} (${f.description}, ${f.extensions.join('/')})`).join('; ');
}

/**
 * The format of a file from its first bytes (at least 512 when it has them): every reader whose `sniff`
 * claims the content; when several do, the one whose extension matches the name; null when none does.
 */
export function detectFormat(head: Uint8Array, fileName: string): string | null {
  const claims = FORMATS.filter((f) => f.reader.sniff(head, fileName));
  if (claims.length === 0) return null;
  const lower = fileName.toLowerCase();
  const byName = claims.find((f) => f.extensions.some((ext) => lower.endsWith(ext)));
  return (byName ?? claims[0]!).reader.format;
}

export function readerFor(format: string): CineReader {
  const entry = FORMATS.find((f) => f.reader.format === format);
  if (!entry) {
    throw new EchoError('UNSUPPORTED_FORMAT', `format "${format}" has no reader; supported: ${supportedFormats()}`, {
      details: { format },
    });
  }
  return entry.reader;
}

/**
 * CineReader: turns one file into a normalised cine, whatever its container.
 *
 * Contract
 * - `sniff` decides from the first bytes (at least 512 when the file has them) and the file name whether
 *   this reader handles the file. Content wins over extension: a name is only a tie-breaker.
 * - `open` parses headers and returns a `Cine` without decoding every frame: frames are decoded on
 *   demand by `frame(i)` (lazy access), so a 1 GB file is never held whole when the model samples frames.
 * - Sizes are checked before allocating: a header that declares more than `limits.maxDecodedBytes` of
 *   pixel data (or of decompressed bytes) rejects with ECHO_ERR_CINE_TOO_LARGE. Damaged input rejects
 *   with ECHO_ERR_CINE_CORRUPT, a missing cine with ECHO_ERR_CINE_NO_VARIABLE, an unsupported feature with
 *   ECHO_ERR_CINE_UNSUPPORTED. Messages name the file, the element/tag/variable and what is supported.
 *   Readers never throw anything else, never hang, never crash the process.
 * - The caller owns the source and must call `close()` on the cine.
 */
export interface CineReader {
  /** Format id as it appears in the result document, e.g. `mat-v5`, `dicom`, `avi`. */
  readonly format: string;
  sniff(head: Uint8Array, fileName: string): boolean;
  open(source: CineSource, options: ReadOptions): Promise<Cine>;
}

/** Random-access bytes of one file. */
export interface CineSource {
  /** The user-facing file name, used in error messages. */
  readonly name: string;
  readonly size: number;
  /** A local path when the bytes are in a plain local file (lets ffmpeg and friends read it directly). */
  readonly path?: string;
  /**
   * Reads exactly `length` bytes at `offset`, or fewer at end of file, into a buffer of the caller's own
   * (not shared with the source or with other reads: readers may hand it on as a frame).
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: reads up to `target.length` bytes at `offset` into `target` (fewer only at end of file) and
   * returns how many, so that a reader can refill one buffer instead of allocating one per read.
   */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
}

export interface ReadOptions {
  limits: { maxDecodedBytes: number };
  /** A variable path to use instead of the default search (MAT: `Patient.DicomImage`, `resized`). */
  variable?: string;
}

export interface Cine {
  format: string;
  frames: number;
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB, interleaved). */
  channels: 1 | 3;
  /** 8 or 16: the element type returned by `frame`. */
  bitsPerSample: 8 | 16;
  /** Frames per second when the source states it, else null. */
  fps: number | null;
  /** Physical size of a pixel in mm, when known. */
  pixelSpacingMm?: { row: number; column: number };
  /** Ultrasound regions (DICOM Sequence of Ultrasound Regions), when known. */
  regions?: UltrasoundRegion[];
  /** Source facts: vendor, transfer syntax, photometric interpretation, variable path... */
  metadata: Record<string, string | number | boolean | null>;
  /** Frame `index` (0-based) as row-major H×W×C samples. */
  frame(index: number): Promise<Uint8Array | Uint16Array>;
  close(): Promise<void>;
}

export interface UltrasoundRegion {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  spatialFormat?: number;
  dataType?: number;
  physicalDeltaX?: number;
  physicalDeltaY?: number;
  physicalUnitsX?: number;
  physicalUnitsY?: number;
}

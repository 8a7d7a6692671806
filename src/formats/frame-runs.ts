/**
 * Reads fixed-size frames stored end to end (native DICOM pixel data, an uncompressed MAT array) in runs
 * of neighbouring frames. While frames are asked for in order, each read covers twice as many frames as
 * the one before (1, 2, 4, ... up to `maxRunBytes`), so a cine read from start to end costs a handful of
 * large positional reads instead of one per frame; any other access (sampled, random, backwards) reads
 * only the frame asked for, so laziness is kept: nothing past `maxRunBytes` is ever read ahead, and only
 * the latest run is held.
 *
 * By default the bytes returned are a view into the run that the next calls may return again: the caller
 * copies or transforms them before keeping them (the MAT reader transposes every frame into a buffer of
 * its own). With `handOut`, `read` must return a buffer of its own; each frame of a run is then given
 * out once, as its own non-overlapping region, that the caller may keep and change (a frame asked for
 * again is read again): no copy per frame.
 */
export interface FrameRuns {
  frame(index: number): Promise<Uint8Array>;
}

export interface FrameRunOptions {
  /** Largest read (at least one frame is always read). */
  maxRunBytes?: number;
  /** Give each frame of a run out once, as the caller's own (see above). */
  handOut?: boolean;
}

/** Largest read ahead: small beside the decoded-bytes cap, large enough to amortise each read's cost. */
export const MAX_RUN_BYTES = 8 * 1024 * 1024;

/** `frame 3` or `frames 3..6`, for messages. */
export function framesText(first: number, count: number): string {
  return count === 1 ? `frame ${first}` : `frames ${first}..${first + count - 1}`;
}

export function frameRuns(
  /** Reads `count` frames from frame `first` on, with whatever checks the reader makes (bounds, cap). */
  read: (offset: number, length: number, first: number, count: number) => Promise<Uint8Array>,
  start: number,
  frameBytes: number,
  frames: number,
  options: FrameRunOptions = {},
): FrameRuns {
  const maxRunBytes = options.maxRunBytes ?? MAX_RUN_BYTES;
  const maxFrames = Math.max(1, Math.floor(maxRunBytes / Math.max(1, frameBytes)));
  let runFirst = 0;
  let runCount = 0;
  let run: Uint8Array | null = null;
  /** With handOut: which frames of the run were given out already. */
  let given: Uint8Array | null = null;
  let last = -2;
  let window = 1;
  return {
    async frame(index) {
      const sequential = index === last + 1;
      last = index;
      const slot = index - runFirst;
      if (run !== null && slot >= 0 && slot < runCount && !(given !== null && given[slot] === 1)) {
        if (given !== null) given[slot] = 1;
        return run.subarray(slot * frameBytes, (slot + 1) * frameBytes);
      }
      window = sequential ? Math.min(window * 2, maxFrames) : 1;
      const count = Math.min(window, frames - index);
      run = null; // let the previous run go before reading the next one
      const bytes = await read(start + index * frameBytes, count * frameBytes, index, count);
      run = bytes;
      runFirst = index;
      runCount = count;
      if (options.handOut) {
        given = new Uint8Array(count);
        given[0] = 1;
      }
      return bytes.subarray(0, frameBytes);
    },
  };
}

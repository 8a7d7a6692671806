import { promisify } from 'node:util';
import { constants, inflate, inflateSync } from 'node:zlib';
import { corrupt, type MatContext, tooLarge } from './context.ts';

/** Largest output Node can hand back in one Buffer; the cap is clamped to it. */
const NODE_MAX = 2 ** 31 - 1;

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

const inflateOnPool = promisify(inflate);

/** Deflate expands at most about 1032:1; no honest element inflates to more than this per input byte. */
const MAX_RATIO = 1032;

/**
 * Inflates a miCOMPRESSED element. zlib stops as soon as the output would pass the cap
 * (`maxOutputLength`), so a zlib bomb costs at most `cap` bytes before it is rejected.
 * `expectedBytes` (the size the element's inner tag declares, when known) sizes zlib's output buffer so
 * that the data is inflated straight into one buffer instead of 16 KiB pieces joined at the end; it is
 * only a hint, bounded by the cap and by what the compressed bytes could possibly inflate to.
 * It runs on libuv's thread pool, not the calling thread: a worker reading its next clip inflates it
 * while its main thread prepares the current clip's frames (src/worker/worker-loop.ts); a caller that
 * reads clips one after another waits for it as it would for the synchronous call.
 */
export async function inflateCapped(data: Uint8Array, ctx: MatContext, where: string, expectedBytes?: number): Promise<Uint8Array> {
  let out: Uint8Array;
  const maxOutputLength = Math.max(1, Math.min(ctx.cap, NODE_MAX));
  // One byte more than expected, so that zlib finishes with room to spare and returns that one buffer.
  const hint = expectedBytes !== undefined && expectedBytes > 0 ? Math.min(expectedBytes + 1, maxOutputLength, data.length * MAX_RATIO + 64) : 0;
  try {
    out = await inflateOnPool(data, { maxOutputLength, ...(hint > constants.Z_DEFAULT_CHUNK ? { chunkSize: hint } : {}) });
  } catch (err) {
    if (err instanceof RangeError || errorCode(err) === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(ctx, `decompressing ${where}`, Number.POSITIVE_INFINITY);
    }
    throw corrupt(ctx, `${where}: the compressed data cannot be inflated (${errorCode(err) ?? 'zlib error'})`);
  }
  ctx.onAllocate?.(out.length, `decompressed ${where}`);
  return out;
}

/** At most this much output from a prefix (deflate expands at most ~1032:1, so a 512-byte prefix fits). */
const PREFIX_OUTPUT = 1 << 20;
export const PREFIX_INPUT = 512;

/**
 * Inflates only the start of a compressed element (up to PREFIX_INPUT compressed bytes), enough to read
 * a variable's class, dimensions and name without inflating the whole variable.
 */
export function inflatePrefix(data: Uint8Array, ctx: MatContext, where: string): Uint8Array {
  let out: Uint8Array;
  try {
    out = inflateSync(data.subarray(0, PREFIX_INPUT), {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: Math.max(1, Math.min(PREFIX_OUTPUT, ctx.cap)),
    });
  } catch (err) {
    // The whole element inflates to at least as much as its prefix, so past the cap here is past it there.
    if (err instanceof RangeError || errorCode(err) === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(ctx, `decompressing ${where}`, Number.POSITIVE_INFINITY);
    }
    throw corrupt(ctx, `${where}: the compressed data cannot be inflated (${errorCode(err) ?? 'zlib error'})`);
  }
  ctx.onAllocate?.(out.length, `decompressed start of ${where}`);
  return out;
}

import type { CineSource } from '../../ports/cine-reader.ts';
import { corrupt, type MatContext, reserve } from './context.ts';

/**
 * Random-access bytes the parser walks: the file itself (uncompressed variables are never copied whole)
 * or an inflated miCOMPRESSED element held in memory.
 */
export interface Bytes {
  readonly size: number;
  /** Whether these bytes came out of a miCOMPRESSED element. */
  readonly inflated: boolean;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Reads into `target` (CineSource.readInto), when the file offers it. */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
}

export function memoryBytes(data: Uint8Array): Bytes {
  // A plain view, so that no Buffer semantics (shared-memory slice) leak to callers.
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { size: data.length, inflated: true, read: async (offset, length) => view.subarray(offset, offset + length) };
}

const BLOCK = 64 * 1024;

/**
 * The file, with one cached 64 KiB block so that walking many small tags does not cost one read each.
 * Larger reads (pixel data, compressed elements) go straight to the source.
 */
export function sourceBytes(source: CineSource): Bytes {
  let blockStart = -1;
  let block: Uint8Array = new Uint8Array(0);
  return {
    size: source.size,
    inflated: false,
    ...(source.readInto ? { readInto: source.readInto.bind(source) } : {}),
    async read(offset, length) {
      if (length > BLOCK / 4) return source.read(offset, length);
      if (blockStart >= 0 && offset >= blockStart && offset + length <= blockStart + block.length) {
        return block.subarray(offset - blockStart, offset - blockStart + length);
      }
      const fresh = await source.read(offset, Math.min(BLOCK, source.size - offset));
      blockStart = offset;
      block = fresh;
      return fresh.subarray(0, length);
    },
  };
}

/**
 * Reads exactly `length` bytes at `offset`, after checking that they lie inside `end` (the container)
 * and the cap. `where` says what is being read, for the message.
 */
export async function readExact(
  bytes: Bytes,
  offset: number,
  length: number,
  end: number,
  ctx: MatContext,
  where: string,
  account = true,
): Promise<Uint8Array> {
  checkRange(bytes, offset, length, end, ctx, where, account);
  const data = await bytes.read(offset, length);
  if (data.length !== length) throw shortRead(ctx, where, offset + data.length);
  return data;
}

/**
 * Like `readExact`, through `bytes.readInto` (which the caller has checked is there) into the buffer
 * `target(length)` gives, asked for only once the range and the cap are checked.
 */
export async function readExactInto(
  bytes: Bytes,
  offset: number,
  length: number,
  target: (length: number) => Uint8Array,
  end: number,
  ctx: MatContext,
  where: string,
): Promise<Uint8Array> {
  checkRange(bytes, offset, length, end, ctx, where, true);
  const into = target(length);
  const n = await bytes.readInto!(offset, into);
  if (n !== length) throw shortRead(ctx, where, offset + n);
  return into;
}

function checkRange(bytes: Bytes, offset: number, length: number, end: number, ctx: MatContext, where: string, account: boolean): void {
  if (offset < 0 || length < 0 || offset + length > Math.min(end, bytes.size)) {
    throw corrupt(ctx, `${where} needs bytes ${offset}..${offset + length} but its container ends at byte ${end}`);
  }
  if (account) reserve(ctx, length, where);
}

function shortRead(ctx: MatContext, where: string, at: number) {
  return corrupt(ctx, `${where}: the file ended at byte ${at} (it may have changed while reading)`);
}

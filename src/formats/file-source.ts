import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { EchoError, toEchoError } from '../errors/catalogue.ts';
import type { CineSource } from '../ports/cine-reader.ts';
import { uninitialisedBytes } from '../util/bytes.ts';

export type FileSource = CineSource & { close(): Promise<void> };

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

/** A reader asking for a negative or non-integer range is a bug in the reader, not a fault in the file. */
export function checkRead(name: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new EchoError('INTERNAL', `invalid read of "${name}": offset ${offset}, length ${length}`);
  }
}

/**
 * Opens a local file for random-access reads (one FileHandle, positional reads, nothing read ahead).
 * A missing file rejects with FILE_NOT_FOUND, a directory or other non-file with UNSUPPORTED_FORMAT.
 * The caller must `close()` it; closing twice is harmless.
 */
export async function openFileSource(path: string, name: string = basename(path)): Promise<FileSource> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new EchoError('FILE_NOT_FOUND', `file "${path}" does not exist`, { cause: err, details: { file: path } });
    }
    throw toEchoError(err, 'INTERNAL', `opening "${path}"`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new EchoError('UNSUPPORTED_FORMAT', `"${path}" is not a regular file (a directory or device); expected a cine file`, {
        details: { file: path },
      });
    }
    const size = stat.size;
    let closed = false;
    /** Reads into all of `buffer` from `offset`, or less if the file shrank since it was opened. */
    const fill = async (buffer: Uint8Array, offset: number): Promise<number> => {
      let filled = 0;
      try {
        while (filled < buffer.length) {
          // Synchronous: a positional read of a local file is a page-cache copy; a hop through the thread
          // pool per read costs more than the read itself, and more again when the cores are busy.
          const bytesRead = readSync(handle.fd, buffer, filled, buffer.length - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
      } catch (err) {
        throw toEchoError(err, 'INTERNAL', `reading "${name}" at byte ${offset}`);
      }
      return filled;
    };
    return {
      name,
      size,
      path,
      async read(offset, length) {
        checkRead(name, offset, length);
        const want = Math.max(0, Math.min(length, size - offset));
        // The read overwrites it; a short read's tail is cleared below.
        const buffer = uninitialisedBytes(want);
        const filled = await fill(buffer, offset);
        if (filled === want) return buffer;
        buffer.fill(0, filled);
        return buffer.subarray(0, filled);
      },
      async readInto(offset, target) {
        checkRead(name, offset, target.length);
        return fill(target.subarray(0, Math.max(0, Math.min(target.length, size - offset))), offset);
      },
      async close() {
        if (closed) return;
        closed = true;
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

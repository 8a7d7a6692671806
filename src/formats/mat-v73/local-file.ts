import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CineSource } from '../../ports/cine-reader.ts';
import { corrupt, type MatFile } from '../mat-common/errors.ts';

/** A local path HDF5 can open, and how to let go of it. */
export interface LocalFile {
  readonly path: string;
  /** Whether the bytes were copied to a temporary file (the source had no local path). */
  readonly spooled: boolean;
  release(): Promise<void>;
}

const COPY_CHUNK = 1 << 20;

/**
 * HDF5 reads through file descriptors, synchronously, so it needs a real file. A source that is a plain
 * local file is used in place (HDF5 then reads only the blocks it needs: headers, then one frame at a
 * time). Any other source is copied to a temporary file first, 1 MiB at a time, so the file is never held
 * in memory whole; the copy is deleted by `release`.
 */
export async function localFile(source: CineSource, ctx: MatFile): Promise<LocalFile> {
  if (source.path !== undefined) return { path: resolve(source.path), spooled: false, release: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'echo-mat73-'));
  const release = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const path = join(dir, 'cine.h5');
    const out = await open(path, 'wx', 0o600);
    try {
      let at = 0;
      while (at < source.size) {
        const bytes = await source.read(at, Math.min(COPY_CHUNK, source.size - at));
        if (bytes.length === 0) throw corrupt(ctx, `the file ended at byte ${at} of ${source.size} while copying it`);
        await out.write(bytes, 0, bytes.length, at);
        at += bytes.length;
      }
    } finally {
      await out.close();
    }
    return { path, spooled: true, release };
  } catch (err) {
    await release();
    throw err;
  }
}


import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openCine } from '../formats/open-cine.ts';
import type { Clip } from '../ports/catalog.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { randomId } from '../util/ids.ts';
import { readObject, spoolObject } from '../util/read-object.ts';
import { type FramesIndex, renderFramePack } from './frame-pack.ts';

export const DERIVED_PREFIX = 'derived/';

export function framesKeys(clipId: string): { pack: string; index: string } {
  return { pack: `${DERIVED_PREFIX}${clipId}/frames.jpgs`, index: `${DERIVED_PREFIX}${clipId}/frames.json` };
}

export interface FrameCacheDeps {
  store: ObjectStore;
  /** Scratch space for a copied input and ffmpeg's JPEGs (sub-folders are removed after each rendering). */
  workDir: string;
  maxDecodedBytes: number;
  /** Renderings at once in this process (each is a reader plus an ffmpeg); more requests wait their turn. */
  maxConcurrent?: number;
}

/** A frames index is a few bytes per frame; anything larger is not one of ours. */
const MAX_INDEX_BYTES = 16 * 1024 * 1024;

export function createFrameCache(deps: FrameCacheDeps) {
  const pending = new Map<string, Promise<FramesIndex>>();
  const limit = deps.maxConcurrent ?? 2;
  let running = 0;
  const waiting: (() => void)[] = [];
  async function slot<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  }

  async function render(clip: Clip): Promise<FramesIndex> {
    const keys = framesKeys(clip.id);
    const dir = join(deps.workDir, randomId('render'));
    await mkdir(dir, { recursive: true });
    try {
      let path = (await deps.store.localPath?.(clip.inputKey)) ?? null;
      if (!path) {
        path = join(dir, 'input');
        await spoolObject(deps.store, clip.inputKey, path);
      }
      const cine = await openCine(path, { name: clip.name, limits: { maxDecodedBytes: deps.maxDecodedBytes } });
      try {
        const { pack, index } = await renderFramePack(cine, join(dir, 'jpegs'), { name: clip.name });
        await deps.store.put(keys.pack, Readable.from([pack]), { contentType: 'application/octet-stream' });
        await deps.store.put(keys.index, Readable.from([Buffer.from(JSON.stringify(index))]), { contentType: 'application/json' });
        return index;
      } finally {
        await cine.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    /** The clip's frame index, rendering the pack first when the store has none. */
    async index(clip: Clip): Promise<FramesIndex> {
      const keys = framesKeys(clip.id);
      if (await deps.store.head(keys.index)) return JSON.parse(Buffer.from(await readObject(deps.store, keys.index, MAX_INDEX_BYTES)).toString('utf8')) as FramesIndex;
      let job = pending.get(clip.id);
      if (!job) {
        job = slot(() => render(clip)).finally(() => pending.delete(clip.id));
        pending.set(clip.id, job);
      }
      return job;
    },
    /** The pack's bytes as a stream (call `index` first). */
    async pack(clip: Clip): Promise<Readable> {
      return deps.store.get(framesKeys(clip.id).pack);
    },
  };
}

export type FrameCache = ReturnType<typeof createFrameCache>;

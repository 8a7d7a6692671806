/**
 * The clip's frame pack: one fetch of concatenated JPEGs, each decoded to an ImageBitmap on demand.
 * Decoded frames are kept in a small LRU cache (a 300-frame 1024-wide cine decoded whole would take
 * ~900 MB), and the frames just ahead of the playhead are decoded before they are needed.
 */
import { api } from './api.ts';
import type { FramesIndex } from './types.ts';

/** Decoded frames kept at most, and how far ahead of the shown frame decoding runs. */
const CACHE_FRAMES = 64;
const AHEAD = 8;

export interface FrameSource {
  index: FramesIndex;
  /** The decoded frame `i`. */
  get(i: number): Promise<ImageBitmap>;
  /** The frame if already decoded (for drawing without waiting). */
  peek(i: number): ImageBitmap | undefined;
  /** Starts decoding the frames after `i` (wrapping around when looping). */
  prefetch(i: number, loop: boolean): void;
  close(): void;
}

export async function loadFrames(clipId: string): Promise<FrameSource> {
  const [index, pack] = await Promise.all([api.framesIndex(clipId), api.framesPack(clipId)]);
  const bitmaps = new Map<number, ImageBitmap>();
  const pending = new Map<number, Promise<ImageBitmap>>();
  let closed = false;

  const keep = (i: number, bmp: ImageBitmap) => {
    bitmaps.delete(i);
    bitmaps.set(i, bmp);
    while (bitmaps.size > CACHE_FRAMES) {
      const [oldest, old] = bitmaps.entries().next().value as [number, ImageBitmap];
      bitmaps.delete(oldest);
      old.close();
    }
  };

  const get = (i: number): Promise<ImageBitmap> => {
    const done = bitmaps.get(i);
    if (done) {
      keep(i, done);
      return Promise.resolve(done);
    }
    let p = pending.get(i);
    if (!p) {
      const blob = new Blob([pack.slice(index.offsets[i]!, index.offsets[i + 1]!)], { type: 'image/jpeg' });
      p = createImageBitmap(blob).then((bmp) => {
        pending.delete(i);
        if (closed) bmp.close();
        else keep(i, bmp);
        return bmp;
      });
      pending.set(i, p);
    }
    return p;
  };

  return {
    index,
    get,
    peek: (i) => bitmaps.get(i),
    prefetch(i, loop) {
      for (let k = 1; k <= AHEAD; k++) {
        const j = loop ? (i + k) % index.frames : i + k;
        if (j < index.frames && !bitmaps.has(j)) void get(j).catch(() => {});
      }
    },
    close() {
      closed = true;
      for (const b of bitmaps.values()) b.close();
      bitmaps.clear();
    },
  };
}

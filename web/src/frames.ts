/** The clip's frame pack: one fetch of concatenated JPEGs, each decoded to an ImageBitmap on demand. */
import { api } from './api.ts';
import type { FramesIndex } from './types.ts';

export interface FrameSource {
  index: FramesIndex;
  /** The decoded frame `i` (cached). */
  get(i: number): Promise<ImageBitmap>;
  /** The frame if already decoded (for drawing without waiting). */
  peek(i: number): ImageBitmap | undefined;
  close(): void;
}

export async function loadFrames(clipId: string): Promise<FrameSource> {
  const [index, pack] = await Promise.all([api.framesIndex(clipId), api.framesPack(clipId)]);
  const bitmaps = new Map<number, ImageBitmap>();
  const pending = new Map<number, Promise<ImageBitmap>>();
  const get = (i: number): Promise<ImageBitmap> => {
    const done = bitmaps.get(i);
    if (done) return Promise.resolve(done);
    let p = pending.get(i);
    if (!p) {
      const blob = new Blob([pack.slice(index.offsets[i]!, index.offsets[i + 1]!)], { type: 'image/jpeg' });
      p = createImageBitmap(blob).then((bmp) => {
        bitmaps.set(i, bmp);
        pending.delete(i);
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
    close() {
      for (const b of bitmaps.values()) b.close();
      bitmaps.clear();
    },
  };
}

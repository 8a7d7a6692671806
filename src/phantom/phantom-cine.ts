/**
 * Presents a phantom as a `Cine`, the shape every reader produces, so tests, training export and demos
 * drive the same preprocessing and prediction code as real uploads. Optional RGB / 16-bit output and
 * ultrasound regions exercise the colour, bit-depth and crop paths of preprocessing.
 */
import type { Cine } from '../ports/cine-reader.ts';
import { generatePhantom, type Phantom, type PhantomOptions } from './generate.ts';

export interface PhantomCineOptions extends PhantomOptions {
  /** 3 gives interleaved RGB with R = G = B (the grey a scanner exports in colour containers); default 1. */
  channels?: 1 | 3;
  /** 16 stores each 8-bit value v as v × 257 (full 16-bit range); default 8. */
  bitsPerSample?: 8 | 16;
  /** Report the sector's bounding box as the cine's ultrasound region; default false. */
  regions?: boolean;
}

export function phantomCine(options: PhantomCineOptions): Cine & { phantom: Phantom } {
  const phantom = generatePhantom(options);
  const channels = options.channels ?? 1;
  const bits = options.bitsPerSample ?? 8;
  const pixels = phantom.height * phantom.width;
  let closed = false;
  return {
    phantom,
    format: 'phantom',
    frames: phantom.frames.length,
    height: phantom.height,
    width: phantom.width,
    channels,
    bitsPerSample: bits,
    fps: phantom.fps,
    ...(options.regions ? { regions: [{ ...phantom.sector, spatialFormat: 1, dataType: 1 }] } : {}),
    metadata: { generator: 'echo-phantom', view: phantom.view, quality: phantom.quality, seed: options.seed },
    async frame(index) {
      if (closed) throw new Error('phantom cine is closed');
      const grey = phantom.frames[index];
      if (!grey) throw new RangeError(`frame ${index} is out of range 0..${phantom.frames.length - 1}`);
      const out = bits === 16 ? new Uint16Array(pixels * channels) : new Uint8Array(pixels * channels);
      const mul = bits === 16 ? 257 : 1;
      for (let i = 0; i < pixels; i++) {
        const v = grey[i]! * mul;
        for (let c = 0; c < channels; c++) out[i * channels + c] = v;
      }
      return out;
    },
    async close() {
      closed = true;
    },
  };
}

/**
 * Messages between the preprocessing thread (preprocess-thread-main.ts) and its owner
 * (preprocess-thread.ts). Frames and results travel with their buffers moved, not copied.
 */
import type { FrameBatchSpec } from './preprocess.ts';

export type PreprocessRequest =
  | { op: 'begin'; id: number; spec: FrameBatchSpec }
  /** `samples` owns its whole buffer, which comes back with the frame's `frame-done`. */
  | { op: 'frame'; id: number; f: number; samples: Uint8Array | Uint16Array }
  | { op: 'finish'; id: number };

export type PreprocessReply =
  | { op: 'frame-done'; id: number; buffer: ArrayBuffer }
  | { op: 'result'; id: number; data: Float32Array; fullScale: number }
  | { op: 'failed'; id: number; error: { code: string; message: string } };

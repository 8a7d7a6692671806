/**
 * A thread of its own for resizing frames (preprocess-thread-main.ts), so that a worker's main thread is
 * free to read and decode its next clip while the current clip's frames are resized: the resize is most of
 * a clip's preprocessing (about 70 ms of a 48-frame 800×600 MAT clip's ~110 ms on the project's machine).
 * `batch` is a FrameBatchFactory for prepareFrames; the result is the same as on the calling thread, by
 * the same code.
 *
 * - Each frame is copied into a buffer of the thread's (from a small pool) and moved there: the caller's
 *   frame stays the caller's. At most AHEAD frames of a batch wait in the thread; `add` waits beyond that,
 *   so a clip's frames are never all held at once.
 * - Batches of several clips may be open at once (a worker holding two jobs); the thread takes their
 *   frames in arrival order.
 * - The thread is unref'd while no batch is open: an idle preprocessor never keeps the process alive.
 * - A thread that dies fails the open batches with ECHO_ERR_INTERNAL; the next batch starts a new one.
 * - close ends the thread; open batches fail; a later batch starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import { codeFromWire, EchoError } from '../errors/catalogue.ts';
import { bufferPool } from '../util/buffer-pool.ts';
import type { FrameBatch, FrameBatchFactory } from './preprocess.ts';
import type { PreprocessReply, PreprocessRequest } from './preprocess-thread-protocol.ts';

const THREAD = new URL('./preprocess-thread-main.ts', import.meta.url);
/** Frames of one batch sent and not yet resized, at most. */
const AHEAD = 3;

interface Open {
  /** Frames sent and not yet answered. */
  waiting: number;
  /** Wakes an `add` that waits for room. */
  room: (() => void) | null;
  settle: { resolve: (r: { data: Float32Array; fullScale: number }) => void; reject: (err: EchoError) => void } | null;
  failure: EchoError | null;
}

export interface Preprocessor {
  batch: FrameBatchFactory;
  close(): Promise<void>;
}

export function createPreprocessThread(): Preprocessor {
  let worker: Worker | null = null;
  const open = new Map<number, Open>();
  const spare = bufferPool(2 * AHEAD + 2);
  let nextId = 1;

  const fail = (err: EchoError) => {
    for (const b of open.values()) {
      b.failure ??= err;
      b.room?.();
      b.settle?.reject(err);
    }
    open.clear();
  };

  const start = (): Worker => {
    const w = new Worker(THREAD);
    w.on('message', (reply: PreprocessReply) => {
      const b = open.get(reply.id);
      if (reply.op === 'frame-done') {
        spare.give([reply.buffer]);
        if (!b) return;
        b.waiting--;
        const wake = b.room;
        b.room = null;
        wake?.();
        return;
      }
      if (!b) return;
      open.delete(reply.id);
      if (open.size === 0) w.unref();
      if (reply.op === 'result') b.settle?.resolve({ data: reply.data, fullScale: reply.fullScale });
      else b.settle?.reject(new EchoError(codeFromWire(reply.error.code), reply.error.message));
    });
    const gone = (why: string) => {
      if (worker !== w) return;
      worker = null;
      fail(new EchoError('INTERNAL', `the preprocessing thread ${why}`));
    };
    w.on('error', (err) => gone(`failed: ${err.message}`));
    w.on('exit', (code) => gone(`stopped unexpectedly (exit code ${code})`));
    return w;
  };

  return {
    batch(spec): FrameBatch {
      worker ??= start();
      const w = worker;
      const id = nextId++;
      const state: Open = { waiting: 0, room: null, settle: null, failure: null };
      open.set(id, state);
      w.ref();
      w.postMessage({ op: 'begin', id, spec } satisfies PreprocessRequest);
      return {
        async add(f, samples) {
          while (state.waiting >= AHEAD && !state.failure) await new Promise<void>((r) => (state.room = r));
          if (state.failure) throw state.failure;
          const own = samples instanceof Uint16Array ? new Uint16Array(spare.take(samples.byteLength)) : new Uint8Array(spare.take(samples.byteLength));
          own.set(samples);
          state.waiting++;
          w.postMessage({ op: 'frame', id, f, samples: own } satisfies PreprocessRequest, [own.buffer as ArrayBuffer]);
        },
        finish() {
          if (state.failure) return Promise.reject(state.failure);
          return new Promise((resolve, reject) => {
            state.settle = { resolve, reject };
            w.postMessage({ op: 'finish', id } satisfies PreprocessRequest);
          });
        },
      };
    },
    async close() {
      const w = worker;
      worker = null;
      fail(new EchoError('INTERNAL', 'the preprocessing thread is closed'));
      if (w) await w.terminate();
    },
  };
}

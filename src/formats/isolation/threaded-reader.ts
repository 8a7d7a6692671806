import { Worker } from 'node:worker_threads';
import { EchoError, type ErrorCode } from '../../errors/catalogue.ts';
import type { Cine, CineReader, CineSource, ReadOptions } from '../../ports/cine-reader.ts';

export interface ThreadedOptions {
  /** Longest an open may take (ms). */
  openTimeoutMs: number;
  /** Longest one frame may take (ms). */
  frameTimeoutMs: number;
}

const THREAD = new URL('./reader-thread.ts', import.meta.url);

/**
 * Runs a reader in its own worker thread, one thread per open cine, with a time limit on every call.
 * For parsers whose native (WebAssembly) code can loop forever on a crafted file: JavaScript cannot
 * interrupt such a loop, but terminating the thread stops it, and the caller gets ECHO_ERR_CINE_CORRUPT.
 * Sources without a local path fall back to the reader in this thread.
 *
 * `moduleUrl`/`exportName` name the reader so that the thread can import it itself.
 */
export function threadedReader(inner: CineReader, moduleUrl: string, exportName: string, limits: ThreadedOptions): CineReader {
  return {
    format: inner.format,
    sniff: (head, name) => inner.sniff(head, name),
    async open(source: CineSource, options: ReadOptions): Promise<Cine> {
      if (!source.path) return inner.open(source, options);
      const worker = new Worker(THREAD, { workerData: { moduleUrl, exportName } });
      worker.unref();
      let nextId = 1;
      let dead: EchoError | null = null;
      const pending = new Map<number, { resolve: (v: Reply) => void; reject: (e: EchoError) => void; timer: NodeJS.Timeout }>();
      const stop = (err: EchoError) => {
        dead ??= err;
        for (const p of pending.values()) {
          clearTimeout(p.timer);
          p.reject(err);
        }
        pending.clear();
        void worker.terminate();
      };
      worker.on('message', (reply: Reply) => {
        const p = pending.get(reply.id);
        if (!p) return;
        pending.delete(reply.id);
        clearTimeout(p.timer);
        if (reply.error) p.reject(new EchoError(reply.error.code as ErrorCode, reply.error.message));
        else p.resolve(reply);
      });
      worker.on('error', (err) => stop(new EchoError('CINE_CORRUPT', `file "${source.name}": the ${inner.format} reader failed: ${err.message}`)));
      worker.on('exit', () => stop(new EchoError('CINE_CORRUPT', `file "${source.name}": the ${inner.format} reader stopped`)));

      const call = (message: Record<string, unknown>, timeoutMs: number, what: string): Promise<Reply> => {
        if (dead) return Promise.reject(dead);
        const id = nextId++;
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            stop(new EchoError('CINE_CORRUPT', `file "${source.name}": ${what} took longer than ${timeoutMs / 1000} s and was stopped (the file is damaged or crafted)`));
          }, timeoutMs);
          pending.set(id, { resolve, reject, timer });
          worker.postMessage({ ...message, id });
        });
      };

      try {
        const { meta } = await call({ op: 'open', path: source.path, name: source.name, options }, limits.openTimeoutMs, `opening it as ${inner.format}`);
        const cine: Cine = {
          ...(meta as Omit<Cine, 'frame' | 'close'>),
          async frame(index) {
            const reply = await call({ op: 'frame', index }, limits.frameTimeoutMs, `reading frame ${index}`);
            return reply.data!;
          },
          async close() {
            if (!dead) await call({ op: 'close' }, limits.frameTimeoutMs, 'closing it').catch(() => {});
            dead ??= new EchoError('BAD_REQUEST', `file "${source.name}": the cine is closed`);
            await worker.terminate();
          },
        };
        return cine;
      } catch (err) {
        await worker.terminate();
        throw err;
      }
    },
  };
}

interface Reply {
  id: number;
  error?: { code: string; message: string };
  meta?: unknown;
  data?: Uint8Array | Uint16Array;
}

/**
 * The worker-thread side of threaded-reader.ts: opens one cine with the named reader module and serves
 * its frames. Runs parsers whose native (WebAssembly) code cannot be interrupted from JavaScript, so that
 * the caller can stop a parser caught in a loop by a crafted file by terminating this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isEchoError } from '../../errors/catalogue.ts';
import type { Cine, CineReader, ReadOptions } from '../../ports/cine-reader.ts';
import { openFileSource } from '../file-source.ts';

interface Setup {
  moduleUrl: string;
  exportName: string;
}

type Request =
  | { id: number; op: 'open'; path: string; name: string; options: ReadOptions }
  | { id: number; op: 'frame'; index: number }
  | { id: number; op: 'close' };

const { moduleUrl, exportName } = workerData as Setup;
let cine: Cine | null = null;
let closeSource: (() => Promise<void>) | null = null;

function fail(id: number, err: unknown): void {
  const error = isEchoError(err) ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: (err as Error)?.message ?? String(err) };
  parentPort!.postMessage({ id, error });
}

parentPort!.on('message', async (req: Request) => {
  try {
    if (req.op === 'open') {
      const reader = (await import(moduleUrl))[exportName] as CineReader;
      const source = await openFileSource(req.path, req.name);
      closeSource = () => source.close();
      cine = await reader.open(source, req.options);
      const { frame: _frame, close: _close, ...meta } = cine;
      parentPort!.postMessage({ id: req.id, meta });
    } else if (req.op === 'frame') {
      const data = await cine!.frame(req.index);
      // A copy we own, moved (not cloned) to the caller.
      const copy = data.slice();
      parentPort!.postMessage({ id: req.id, data: copy }, [copy.buffer as ArrayBuffer]);
    } else {
      await cine?.close();
      await closeSource?.();
      cine = null;
      parentPort!.postMessage({ id: req.id });
    }
  } catch (err) {
    fail(req.id, err);
  }
});

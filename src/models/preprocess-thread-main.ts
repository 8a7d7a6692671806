/**
 * Entry of the preprocessing thread (preprocess-thread.ts): resizes the frames each batch sends, in
 * arrival order, with the same code as on the calling thread (localFrameBatch), and answers each frame
 * with its buffer (for the next copies) and each finish with the batch's tensor.
 */
import { parentPort } from 'node:worker_threads';
import { toEchoError } from '../errors/catalogue.ts';
import { localFrameBatch } from './preprocess.ts';
import type { PreprocessReply, PreprocessRequest } from './preprocess-thread-protocol.ts';

const port = parentPort!;
const batches = new Map<number, ReturnType<typeof localFrameBatch>>();
/** Batches that failed: their later frames are only handed back, their finish answered with the error. */
const failed = new Map<number, PreprocessReply & { op: 'failed' }>();

function send(reply: PreprocessReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(reply, transfer);
}

port.on('message', (req: PreprocessRequest) => {
  try {
    if (req.op === 'begin') {
      batches.set(req.id, localFrameBatch(req.spec));
    } else if (req.op === 'frame') {
      const buffer = req.samples.buffer as ArrayBuffer;
      try {
        if (!failed.has(req.id)) batches.get(req.id)!.add(req.f, req.samples);
      } finally {
        send({ op: 'frame-done', id: req.id, buffer }, [buffer]);
      }
    } else {
      const error = failed.get(req.id);
      failed.delete(req.id);
      const batch = batches.get(req.id);
      batches.delete(req.id);
      if (error) send(error);
      else {
        const { data, fullScale } = batch!.result();
        send({ op: 'result', id: req.id, data, fullScale }, [data.buffer as ArrayBuffer]);
      }
    }
  } catch (err) {
    // Pure arithmetic on checked sizes: a failure here is a fault of this code, reported with the batch.
    batches.delete(req.id);
    const reply: PreprocessReply & { op: 'failed' } = { op: 'failed', id: req.id, error: toEchoError(err, 'INTERNAL', 'preprocessing frames').toJSON() };
    if (req.op === 'finish') send(reply);
    else failed.set(req.id, reply);
  }
});

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
type Failure = { error: { code: string; message: string } };
/** Each open batch, or what ended it: its later frames are only handed back, its finish gets the error. */
const batches = new Map<number, ReturnType<typeof localFrameBatch> | Failure>();

/** Pure arithmetic on checked sizes: a failure here is a fault of this code, reported with its batch. */
const fault = (err: unknown): Failure => ({ error: toEchoError(err, 'INTERNAL', 'preprocessing frames').toJSON() });

function send(reply: PreprocessReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(reply, transfer);
}

port.on('message', (req: PreprocessRequest) => {
  if (req.op === 'begin') {
    try {
      batches.set(req.id, localFrameBatch(req.spec));
    } catch (err) {
      batches.set(req.id, fault(err));
    }
    return;
  }
  const batch = batches.get(req.id) ?? fault(new Error(`no batch ${req.id} is open`));
  if (req.op === 'frame') {
    if ('add' in batch) {
      try {
        batch.add(req.f, req.samples);
      } catch (err) {
        batches.set(req.id, fault(err));
      }
    }
    const buffer = req.samples.buffer as ArrayBuffer;
    send({ op: 'frame-done', id: req.id, buffer }, [buffer]);
    return;
  }
  batches.delete(req.id);
  let answer: { data: Float32Array; fullScale: number } | Failure;
  try {
    answer = 'error' in batch ? batch : batch.result();
  } catch (err) {
    answer = fault(err);
  }
  if ('error' in answer) send({ op: 'failed', id: req.id, error: answer.error });
  else send({ op: 'result', id: req.id, data: answer.data, fullScale: answer.fullScale }, [answer.data.buffer as ArrayBuffer]);
});

/**
 * Worker-thread entry of the threaded ONNX runtime (onnx-thread.ts): creates the session with
 * createOnnxRuntime, announces it (or its creation error) under READY_ID, then answers run and close
 * requests. onnxruntime-node's session.run blocks the thread it runs on; here that is this thread, so the
 * worker process's main thread stays free to read and decode the next clip meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toEchoError } from '../../../errors/catalogue.ts';
import type { ModelRuntime } from '../../../ports/model-runtime.ts';
import { fifo } from '../../../util/fifo.ts';
import { createOnnxRuntime } from './onnx-runtime.ts';
import { buffersOf, READY_ID, type ThreadReply, type ThreadRequest, type ThreadSetup } from './onnx-thread-protocol.ts';

const port = parentPort!;
const { model, options } = workerData as ThreadSetup;
const who = `model ${model.manifest.name}@${model.manifest.version}`;

function reply(message: ThreadReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function failure(id: number, err: unknown): ThreadReply {
  // createOnnxRuntime throws EchoErrors only; anything else is a fault of this thread's own code.
  return { id, error: toEchoError(err, 'INFERENCE_FAILED', `${who}: the inference thread failed`).toJSON() };
}

const runtime: ModelRuntime | null = await createOnnxRuntime(model, options).catch((err: unknown) => {
  // No listener gets installed then: once this reply is out the thread has nothing left to do and ends.
  reply(failure(READY_ID, err));
  return null;
});

async function handle(session: ModelRuntime, req: ThreadRequest): Promise<void> {
  try {
    if (req.op === 'run') {
      // The outputs are fresh arrays that createOnnxRuntime copied out of onnxruntime: moved, not copied.
      // The inputs go back for the main side to fill again; the session has finished reading them.
      const outputs = await session.run(req.inputs);
      const inputs = buffersOf(req.inputs);
      reply({ id: req.id, outputs, inputs }, [...buffersOf(outputs), ...inputs]);
    } else {
      await session.close();
      reply({ id: req.id });
    }
  } catch (err) {
    reply(failure(req.id, err));
  }
}

if (runtime) {
  // Requests arrive as the main side's callers make them, possibly while a run is in progress (the run
  // awaits onnxruntime's setImmediate); createOnnxRuntime takes one call at a time, so they queue here, in
  // arrival order, which is call order.
  const serial = fifo();
  port.on('message', (req: ThreadRequest) => void serial(() => handle(runtime, req)));
  reply({ id: READY_ID, names: { inputNames: [...runtime.inputNames], outputNames: [...runtime.outputNames] } });
}

/**
 * ModelRuntime on onnxruntime-node in a worker thread of its own. onnxruntime-node's session.run blocks
 * the JavaScript thread it is called on; run here, inference would stall the worker process's main thread,
 * which should meanwhile read and decode the next clip. The thread (onnx-thread-main.ts) creates the
 * session with createOnnxRuntime, so its checks and error texts are unchanged; its errors arrive here as
 * the same EchoError code and message.
 *
 * - Overlapping run calls are sent at once and queued in the thread, which runs them one at a time in
 *   call order (the port's contract).
 * - Inputs are copied, at call time, into buffers of their own that are moved to the thread: callers
 *   pass views into larger arrays (core's predictClip), and cloning a view would copy its whole
 *   underlying buffer, while moving it would take the caller's array away. The caller may reuse its
 *   arrays as soon as run returns its promise. Outputs come back moved too, and so do the input buffers,
 *   for the next calls' copies (src/util/buffer-pool.ts).
 * - The thread is unref'd while no call is in flight: an idle session never keeps the process alive, and
 *   while a call waits on the thread, the thread holds the process up for it.
 * - A thread that dies (a crash in native code, an uncaught error) fails the calls in flight and every
 *   later one with ECHO_ERR_INFERENCE_FAILED naming the model.
 * - close lets the calls made before it finish, releases the session, ends the thread; it is idempotent.
 */
import { Worker } from 'node:worker_threads';
import { codeFromWire, EchoError } from '../../../errors/catalogue.ts';
import type { DeployedModel } from '../../../models/load.ts';
import type { ModelRuntime, Tensor } from '../../../ports/model-runtime.ts';
import type { OnnxRuntimeOptions } from './onnx-runtime.ts';
import { bufferPool } from '../../../util/buffer-pool.ts';
import { buffersOf, READY_ID, type ThreadReply, type ThreadRequest, type ThreadSetup } from './onnx-thread-protocol.ts';

const THREAD = new URL('./onnx-thread-main.ts', import.meta.url);

export async function createOnnxThreadRuntime(model: DeployedModel, options: OnnxRuntimeOptions = {}): Promise<ModelRuntime> {
  const setup: ThreadSetup = { model, options };
  return connectThread(new Worker(THREAD, { workerData: setup }), `model ${model.manifest.name}@${model.manifest.version}`);
}

/**
 * The ModelRuntime answered by `worker`, a thread speaking onnx-thread-protocol.ts; resolves once the
 * thread announced its session, rejects with its creation error (the thread is then ended).
 */
export async function connectThread(worker: Worker, who: string): Promise<ModelRuntime> {
  const pending = new Map<number, { resolve: (reply: ThreadReply) => void; reject: (err: EchoError) => void }>();
  // Set once the thread is gone or going: every call from then on is refused with it.
  let dead: EchoError | null = null;
  let closing: Promise<void> | null = null;
  let nextId = READY_ID + 1;
  // Enough for the batches of two clips in flight (a full batch and a clip's last, shorter one each).
  const spare = bufferPool(4);

  const stop = (err: EchoError): Promise<number> => {
    dead ??= err;
    for (const p of pending.values()) p.reject(dead);
    pending.clear();
    return worker.terminate();
  };
  worker.on('message', (reply: ThreadReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error) p.reject(new EchoError(codeFromWire(reply.error.code), reply.error.message));
    else p.resolve(reply);
  });
  worker.on('error', (err) => void stop(new EchoError('INFERENCE_FAILED', `${who}: the inference thread failed: ${err.message}`, { cause: err })));
  // After close or a failed creation (dead already set) this is the expected end; otherwise the thread
  // stopped under us.
  worker.on('exit', (code) => void stop(new EchoError('INFERENCE_FAILED', `${who}: the inference thread stopped unexpectedly (exit code ${code})`)));

  const expect = (id: number): Promise<ThreadReply> =>
    new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref();
    });
  const call = (request: ThreadRequest, transfer: ArrayBuffer[] = []): Promise<ThreadReply> => {
    if (dead) return Promise.reject(dead);
    worker.postMessage(request, transfer);
    return expect(request.id);
  };

  const ready = await expect(READY_ID).catch(async (err: EchoError) => {
    await stop(err);
    throw err;
  });
  const closed = () => new EchoError('INFERENCE_FAILED', `${who}: the runtime is closed`);
  return {
    inputNames: ready.names!.inputNames,
    outputNames: ready.names!.outputNames,
    async run(inputs) {
      if (closing) throw closed();
      const own: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(inputs)) {
        const data = new Float32Array(spare.take(t.data.byteLength));
        data.set(t.data);
        own[name] = { data, dims: [...t.dims] };
      }
      const reply = await call({ id: nextId++, op: 'run', inputs: own }, buffersOf(own));
      spare.give(reply.inputs!);
      return reply.outputs!;
    },
    close() {
      closing ??= (async () => {
        try {
          // Queued behind the runs already sent, so those finish first. A thread that already died has
          // no session left to release.
          if (!dead) await call({ id: nextId++, op: 'close' });
        } finally {
          await stop(closed());
        }
      })();
      return closing;
    },
  };
}

/**
 * ModelRuntime on onnxruntime-node: one InferenceSession per process, created from the verified weights
 * and reused for every job. Translates runtime failures into the catalogue's codes, naming the model.
 *
 * It runs inference on the calling thread and refuses a call made before the previous one resolved (the
 * port allows overlap, this building block does not): workers use it through createOnnxThreadRuntime
 * (onnx-thread.ts), which runs it in a thread of its own and queues calls for it; tools that call it
 * one batch at a time (bench, training/evaluate.ts) use it directly.
 */
import * as ort from 'onnxruntime-node';
import { EchoError } from '../../../errors/catalogue.ts';
import type { DeployedModel } from '../../../models/load.ts';
import { tensorManifest } from '../../../models/manifest.ts';
import type { ModelRuntime, Tensor } from '../../../ports/model-runtime.ts';

export interface OnnxRuntimeOptions {
  /** onnxruntime execution providers in order of preference; default ['cpu']. */
  executionProviders?: string[];
  /** Threads for one operator (intra-op); default: onnxruntime's choice (one per core). */
  intraOpThreads?: number;
}

export async function createOnnxRuntime(model: DeployedModel, options: OnnxRuntimeOptions = {}): Promise<ModelRuntime> {
  const who = `model ${model.manifest.name}@${model.manifest.version}`;
  const { input, output } = tensorManifest(model.manifest, 'onnx');
  const weightsPath = model.weightsPath;
  if (weightsPath === null) throw new EchoError('MODEL_INVALID', `${who}: an onnx model needs a weights file (manifest field "weights")`);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: options.executionProviders ?? ['cpu'],
    graphOptimizationLevel: 'all',
  };
  if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(weightsPath, sessionOptions);
  } catch (err) {
    throw new EchoError('MODEL_INVALID', `${who}: onnxruntime cannot load ${weightsPath} (execution providers ${JSON.stringify(sessionOptions.executionProviders)}): ${(err as Error).message}`, { cause: err });
  }
  const missing = [
    ...(session.inputNames.includes(input.tensor) ? [] : [`input "${input.tensor}"`]),
    ...[output.viewTensor, output.qualityTensor].filter((n) => !session.outputNames.includes(n)).map((n) => `output "${n}"`),
  ];
  if (missing.length > 0) {
    await session.release().catch(() => undefined);
    throw new EchoError(
      'MODEL_INVALID',
      `${who}: the network in ${weightsPath} lacks the manifest's ${missing.join(' and ')} (it has inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`,
    );
  }
  let busy = false;
  let closed = false;
  return {
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    async run(inputs) {
      if (closed) throw new EchoError('INFERENCE_FAILED', `${who}: the runtime is closed`);
      if (busy) throw new EchoError('INFERENCE_FAILED', `${who}: run was called before the previous run resolved`);
      busy = true;
      try {
        const feeds: Record<string, ort.Tensor> = {};
        for (const [name, t] of Object.entries(inputs)) {
          if (!session.inputNames.includes(name)) {
            throw new EchoError('INFERENCE_FAILED', `${who}: unknown input "${name}"; the network takes ${session.inputNames.join(', ')}`);
          }
          feeds[name] = new ort.Tensor('float32', t.data, [...t.dims]);
        }
        const results = await session.run(feeds);
        const out: Record<string, Tensor> = {};
        for (const [name, t] of Object.entries(results)) {
          if (t.type !== 'float32') throw new EchoError('INFERENCE_FAILED', `${who}: output "${name}" is ${t.type}; float32 expected`);
          // Copy out of onnxruntime's buffer so callers own plain arrays after the session moves on.
          out[name] = { data: Float32Array.from(t.data as Float32Array), dims: [...t.dims] };
          t.dispose();
        }
        return out;
      } catch (err) {
        if (err instanceof EchoError) throw err;
        throw new EchoError('INFERENCE_FAILED', `${who}: onnxruntime failed: ${(err as Error).message}`, { cause: err });
      } finally {
        busy = false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}

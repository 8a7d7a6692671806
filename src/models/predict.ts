/**
 * predictClip: the core path from a Cine to the clip prediction. Preprocessing and aggregation live here,
 * not in the runtime, so every runtime gives the same clip result for the same network outputs.
 */
import { EchoError } from '../errors/catalogue.ts';
import type { Cine } from '../ports/cine-reader.ts';
import type { ModelRuntime, Tensor } from '../ports/model-runtime.ts';
import { aggregateClip, type ClipAggregate, softmax } from './aggregate.ts';
import type { DeployedModel } from './load.ts';
import { tensorManifest } from './manifest.ts';
import { type FrameBatchFactory, prepareFrames } from './preprocess.ts';

export interface ClipPrediction extends ClipAggregate {
  /** read_ms: decoding the sampled frames and preprocessing them; inference_ms: the network and aggregation. */
  timings: { read_ms: number; inference_ms: number };
}

export interface PredictOptions {
  /** Frames per runtime call (bounds the memory of one call); default 16. */
  batchSize?: number;
  /** Where the sampled frames are resized (default: on this thread; see preprocess-thread.ts). */
  frames?: FrameBatchFactory;
}

export async function predictClip(cine: Cine, model: DeployedModel, runtime: ModelRuntime, options: PredictOptions = {}): Promise<ClipPrediction> {
  const { input, output } = tensorManifest(model.manifest);
  const who = `model ${model.manifest.name}@${model.manifest.version}`;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 16));
  const t0 = performance.now();
  const prepared = await prepareFrames(cine, input, options.frames);
  const t1 = performance.now();
  const plane = input.height * input.width;
  const count = prepared.indices.length;
  const labels = output.labels;
  const probabilities: Float64Array[] = [];
  const qualities: number[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const frames: Tensor = { data: prepared.data.subarray(start * plane, (start + n) * plane), dims: [n, 1, input.height, input.width] };
    const result = await runtime.run({ [input.tensor]: frames });
    const views = expectOutput(result, output.viewTensor, [n, labels.length], who);
    const quality = expectOutput(result, output.qualityTensor, [n, 1], who);
    for (let f = 0; f < n; f++) {
      const row = views.data.subarray(f * labels.length, (f + 1) * labels.length);
      probabilities.push(output.viewActivation === 'softmax' ? softmax(row) : Float64Array.from(row));
      qualities.push(quality.data[f]!);
    }
  }
  const aggregate = aggregateClip(labels, prepared.indices, probabilities, qualities);
  const t2 = performance.now();
  return { ...aggregate, timings: { read_ms: t1 - t0, inference_ms: t2 - t1 } };
}

/** Checks an output tensor's presence, shape (a trailing 1 may be omitted) and values. */
function expectOutput(result: Record<string, Tensor>, name: string, dims: [number, number], who: string): Tensor {
  const t = result[name];
  if (!t) {
    throw new EchoError('INFERENCE_FAILED', `${who}: the network returned no output "${name}" (got ${Object.keys(result).join(', ') || 'none'})`);
  }
  const shapeOk = t.dims[0] === dims[0] && (t.dims.length === 2 ? t.dims[1] === dims[1] : t.dims.length === 1 && dims[1] === 1);
  if (!shapeOk || t.data.length !== dims[0] * dims[1]) {
    throw new EchoError('INFERENCE_FAILED', `${who}: output "${name}" has shape [${t.dims.join(', ')}]; [${dims.join(', ')}] expected`);
  }
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i]!)) throw new EchoError('INFERENCE_FAILED', `${who}: output "${name}" holds a non-finite value at ${i}`);
  }
  return t;
}

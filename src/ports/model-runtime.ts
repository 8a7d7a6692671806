import type { Cine } from './cine-reader.ts';

/**
 * ModelRuntime: executes a deployed model's network on prepared input tensors.
 *
 * Contract
 * - A runtime instance is created once per worker process for one model and reused for every job
 *   (one inference session per process; the model stays warm).
 * - `run` takes named float32 tensors laid out as the manifest's input spec says (batch first) and
 *   resolves to the named output tensors. Calls may overlap (a worker reads the next clip while the
 *   current one is inferred): the runtime queues them and runs one at a time, in call order (FIFO); a
 *   failed call does not stop the ones queued behind it. The caller leaves its input arrays unchanged until
 *   their call resolves (a queued call may read them when its turn comes); the runtime keeps none after.
 *   (createOnnxRuntime, the in-process building block of the threaded onnx adapter, is the exception: it
 *   refuses a call made before the previous one resolved; see src/adapters/runtime/onnx.)
 * - Preprocessing (frame sampling, resize, scaling) and aggregation to the clip happen in core
 *   (src/models/), never in the runtime, so every runtime gives the same clip result for the same outputs.
 * - Failures reject with ECHO_ERR_INFERENCE_FAILED (ECHO_ERR_MODEL_INVALID when the weights cannot be
 *   loaded), naming the model and version.
 * - `close` releases the session and native memory; calls made before it still finish, later calls are
 *   refused with ECHO_ERR_INFERENCE_FAILED. It is idempotent.
 */
export interface ModelRuntime {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  close(): Promise<void>;
}

export interface Tensor {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * ClipRuntime: runs a deployed model on a whole clip, for models that are not a tensor network the
 * platform can feed (an external program, a container). src/adapters/runtime/command is the adapter.
 *
 * Contract
 * - Created once per worker process for one model and reused for every clip; `predictClip` calls may
 *   overlap (each has its own scratch space); a worker's model session makes one at a time, in turn.
 * - The runtime reads only the sampled frames (or hands over the original file when the model asks for
 *   it). Frames it feeds a model are prepared by core's prepareFrames (src/models/preprocess.ts), and
 *   per-frame outputs are aggregated by core's aggregateClip (src/models/aggregate.ts), so a model
 *   behind a ClipRuntime gives the same clip answer as a tensor runtime giving the same per-frame outputs.
 *   A model may instead answer for the whole clip; the runtime then checks that answer (labels of the
 *   manifest, finite probabilities summing to 1) and returns it with no per-frame rows.
 * - The result has one probability per manifest label, in manifest order. Every failure rejects with
 *   ECHO_ERR_INFERENCE_FAILED naming the model and what went wrong (exit code, time limit, the result
 *   file and field); input errors from reading the cine keep their own codes (CINE_*).
 * - Nothing outlives a call: scratch files are removed and child processes are ended whatever happens.
 * - `close` ends any call in flight and refuses later ones; it is idempotent.
 */
export interface ClipRuntime {
  predictClip(cine: Cine, context?: ClipContext): Promise<ClipRuntimePrediction>;
  close(): Promise<void>;
}

/** What a caller knows about the clip besides its decoded frames. */
export interface ClipContext {
  /** The original file as opened by the reader (needed by models whose input mode is "original"). */
  source?: { path?: string; name?: string };
}

/** The clip answer; the same shape as core's ClipPrediction (src/models/predict.ts). */
export interface ClipRuntimePrediction {
  view: string;
  confidence: number;
  probabilities: Record<string, number>;
  quality_mean: number;
  quality_std: number;
  frames: { index: number; view: string; confidence: number; quality: number }[];
  timings: { read_ms: number; inference_ms: number };
}

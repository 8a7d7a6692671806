/**
 * ModelRuntime: executes a deployed model's network on prepared input tensors.
 *
 * Contract
 * - A runtime instance is created once per worker process for one model and reused for every job
 *   (one inference session per process; the model stays warm).
 * - `run` takes named float32 tensors laid out as the manifest's input spec says (batch first) and
 *   resolves to the named output tensors. It may be called again only after the previous call resolved.
 * - Preprocessing (frame sampling, resize, scaling) and aggregation to the clip happen in core
 *   (src/models/), never in the runtime, so every runtime gives the same clip result for the same outputs.
 * - Failures reject with ECHO_ERR_INFERENCE_FAILED (ECHO_ERR_MODEL_INVALID when the weights cannot be
 *   loaded), naming the model and version.
 * - `close` releases the session and native memory.
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

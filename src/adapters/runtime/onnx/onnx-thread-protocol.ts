/**
 * Messages between the main side of the threaded ONNX runtime (onnx-thread.ts) and its thread
 * (onnx-thread-main.ts). Tensors travel with their buffers transferred (moved, not copied); errors travel
 * as the catalogue's wire code and message and are rebuilt as the same EchoError on the main side.
 */
import type { DeployedModel } from '../../../models/load.ts';
import type { Tensor } from '../../../ports/model-runtime.ts';
import type { OnnxRuntimeOptions } from './onnx-runtime.ts';

/** The thread's workerData: what it creates its session from. */
export interface ThreadSetup {
  model: DeployedModel;
  options: OnnxRuntimeOptions;
}

export type ThreadRequest = { id: number; op: 'run'; inputs: Record<string, Tensor> } | { id: number; op: 'close' };

/** Id of the reply the thread sends by itself once its session is created (or failed to be). */
export const READY_ID = 0;

export interface ThreadReply {
  id: number;
  error?: { code: string; message: string };
  /** Answer to READY_ID. */
  names?: { inputNames: string[]; outputNames: string[] };
  /** Answer to a run: its outputs, and its input buffers handed back for reuse (onnxruntime is done with them). */
  outputs?: Record<string, Tensor>;
  inputs?: ArrayBuffer[];
}

/** The buffers to move with a message carrying these tensors (each must own its whole buffer). */
export function buffersOf(tensors: Record<string, Tensor>): ArrayBuffer[] {
  return Object.values(tensors).map((t) => t.data.buffer as ArrayBuffer);
}

/**
 * Open Inference Protocol (KServe v2) REST messages, JSON form: request building and strict response
 * parsing. Pure functions; every problem is reported through `fail` so the runtime can name the server
 * and the model. Spec: https://github.com/kserve/open-inference-protocol (REST, "Inference" and
 * "Model Metadata").
 */
import type { KserveEndpoint } from '../../../models/manifest.ts';
import type { Tensor } from '../../../ports/model-runtime.ts';

export type Fail = (problem: string) => never;

export interface TensorMetadata {
  name: string;
  datatype: string;
  /** -1 marks a dimension of any size. */
  shape: number[];
}

export interface ModelMetadata {
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** `/v2/models/<model>[/versions/<version>]` below the endpoint's base URL. */
export function modelUrl(endpoint: KserveEndpoint): string {
  const version = endpoint.version === undefined ? '' : `/versions/${encodeURIComponent(endpoint.version)}`;
  return `${endpoint.url}/v2/models/${encodeURIComponent(endpoint.model)}${version}`;
}

export function inferRequest(inputs: Record<string, Tensor>, outputs: readonly string[]): string {
  return JSON.stringify({
    inputs: Object.entries(inputs).map(([name, t]) => ({ name, shape: [...t.dims], datatype: 'FP32', data: Array.from(t.data) })),
    outputs: outputs.map((name) => ({ name })),
  });
}

export function parseMetadata(json: unknown, fail: Fail): ModelMetadata {
  const obj = record(json, 'the model metadata', fail);
  return { inputs: tensorList(obj.inputs, 'inputs', fail), outputs: tensorList(obj.outputs, 'outputs', fail) };
}

function tensorList(value: unknown, field: string, fail: Fail): TensorMetadata[] {
  if (!Array.isArray(value)) fail(`the model metadata has no "${field}" array`);
  return (value as unknown[]).map((v, i) => {
    const t = record(v, `metadata ${field}[${i}]`, fail);
    if (typeof t.name !== 'string') fail(`metadata ${field}[${i}].name is not a string`);
    if (typeof t.datatype !== 'string') fail(`metadata ${field}[${i}].datatype is not a string`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= -1)) fail(`metadata ${field}[${i}].shape is not a list of integers (-1 for any size)`);
    return { name: t.name as string, datatype: t.datatype as string, shape: t.shape as number[] };
  });
}

/** Parses an inference response into float32 tensors; FP64 outputs are narrowed, other types refused. */
export function parseInferResponse(json: unknown, fail: Fail): Record<string, Tensor> {
  const obj = record(json, 'the inference response', fail);
  if (!Array.isArray(obj.outputs)) fail('the inference response has no "outputs" array');
  const out: Record<string, Tensor> = {};
  (obj.outputs as unknown[]).forEach((v, i) => {
    const o = record(v, `outputs[${i}]`, fail);
    const name = o.name;
    if (typeof name !== 'string') fail(`outputs[${i}].name is not a string`);
    const at = `output "${name as string}"`;
    if (o.datatype !== 'FP32' && o.datatype !== 'FP64') fail(`${at} has datatype ${JSON.stringify(o.datatype)}; FP32 or FP64 expected`);
    const shape = o.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`${at} has shape ${JSON.stringify(shape)}; a list of non-negative integers expected`);
    const dims = shape as number[];
    // The protocol allows the data flattened or nested in row-major order.
    const data = Array.isArray(o.data) ? (o.data as unknown[]).flat(Number.POSITIVE_INFINITY) : null;
    if (!data) fail(`${at} has no "data" array (binary tensor data is not supported; do not ask for it)`);
    const count = dims.reduce((a, b) => a * b, 1);
    if (data!.length !== count) fail(`${at} has ${data!.length} values for shape [${dims.join(', ')}] (${count} expected)`);
    const values = new Float32Array(count);
    for (let k = 0; k < count; k++) {
      const x = data![k];
      if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${at} value ${k} is ${JSON.stringify(x)}; a finite number expected`);
      values[k] = x as number;
    }
    out[name as string] = { data: values, dims };
  });
  return out;
}

/** Whether `dims` fits a metadata shape: same rank, equal wherever the metadata is not -1. */
export function fitsShape(dims: readonly number[], meta: readonly number[]): boolean {
  return dims.length === meta.length && dims.every((d, i) => meta[i] === -1 || meta[i] === d);
}

function record(value: unknown, what: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

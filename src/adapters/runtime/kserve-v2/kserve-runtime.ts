/**
 * ModelRuntime speaking the Open Inference Protocol (KServe v2 REST) to a model server: Triton, KServe,
 * Seldon MLServer, TorchServe's v2 API, or anything else that implements it. The model runs there; this
 * side prepares the tensors and aggregates the outputs exactly as for local ONNX (core's predictClip).
 *
 * At creation: GET .../ready must answer 200 and GET .../<model> (metadata) must list the manifest's
 * input and output tensors, so a misconfigured endpoint stops the worker at start-up, not at the first
 * clip. Failures name the URL and the model: unreachable, timed out or not-ready servers are
 * INFERENCE_FAILED (may pass: the job is retried); a server without the model or its tensors is
 * MODEL_INVALID (a deployment error).
 *
 * Overlapping run calls are sent one at a time, in call order, as the port asks: each request's
 * endpoint.timeoutMs then measures the server's answer to it alone, not time spent queued behind the
 * other, and one worker never loads the server with more than one request, as with local ONNX.
 */
import { EchoError } from '../../../errors/catalogue.ts';
import type { DeployedModel } from '../../../models/load.ts';
import { type KserveManifest, tensorManifest } from '../../../models/manifest.ts';
import type { ModelRuntime, Tensor } from '../../../ports/model-runtime.ts';
import { fifo } from '../../../util/fifo.ts';
import { type Fail, fitsShape, inferRequest, type ModelMetadata, modelUrl, parseInferResponse, parseMetadata } from './protocol.ts';

export interface KserveRuntimeOptions {
  /** The fetch to use; default the global one (tests may pass a wrapped one). */
  fetch?: typeof fetch;
}

interface Reply {
  status: number;
  text: string;
}

export async function createKserveRuntime(model: DeployedModel, options: KserveRuntimeOptions = {}): Promise<ModelRuntime> {
  const manifest = tensorManifest(model.manifest, 'kserve-v2') as KserveManifest;
  const { endpoint, input, output } = manifest;
  const doFetch = options.fetch ?? fetch;
  const base = modelUrl(endpoint);
  const who = `model ${manifest.name}@${manifest.version} (server model "${endpoint.model}"${endpoint.version ? ` version ${endpoint.version}` : ''} at ${endpoint.url})`;

  async function call(method: 'GET' | 'POST', url: string, body?: string): Promise<Reply> {
    try {
      const res = await doFetch(url, {
        method,
        headers: { ...endpoint.headers, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(endpoint.timeoutMs),
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new EchoError('INFERENCE_FAILED', `${who}: ${method} ${url} got no answer within ${endpoint.timeoutMs} ms (endpoint.timeoutMs)`, { cause: err });
      }
      const reason = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new EchoError('INFERENCE_FAILED', `${who}: cannot reach ${url}: ${reason}`, { cause: err });
    }
  }

  const failWith =
    (code: 'INFERENCE_FAILED' | 'MODEL_INVALID', url: string): Fail =>
    (problem) => {
      throw new EchoError(code, `${who}: ${url}: ${problem}`);
    };

  function parseJson(reply: Reply, url: string): unknown {
    try {
      return JSON.parse(reply.text);
    } catch {
      throw new EchoError('INFERENCE_FAILED', `${who}: ${url} answered HTTP ${reply.status} with a body that is not JSON: ${excerpt(reply.text)}`);
    }
  }

  // Readiness first: its status tells "no such model" (404) from "still loading" (anything else).
  const readyUrl = `${base}/ready`;
  const ready = await call('GET', readyUrl);
  if (ready.status === 404) throw new EchoError('MODEL_INVALID', `${who}: the server has no such model (GET ${readyUrl} answered 404: ${serverError(ready.text)})`);
  if (ready.status !== 200) throw new EchoError('INFERENCE_FAILED', `${who}: the model is not ready (GET ${readyUrl} answered ${ready.status}: ${serverError(ready.text)})`);

  const metaReply = await call('GET', base);
  if (metaReply.status !== 200) throw new EchoError('MODEL_INVALID', `${who}: GET ${base} (model metadata) answered ${metaReply.status}: ${serverError(metaReply.text)}`);
  const meta: ModelMetadata = parseMetadata(parseJson(metaReply, base), failWith('MODEL_INVALID', base));
  const inputMeta = meta.inputs.find((t) => t.name === input.tensor);
  const missing = [
    ...(inputMeta ? [] : [`input "${input.tensor}"`]),
    ...[output.viewTensor, output.qualityTensor].filter((n) => !meta.outputs.some((t) => t.name === n)).map((n) => `output "${n}"`),
  ];
  if (missing.length > 0) {
    throw new EchoError(
      'MODEL_INVALID',
      `${who}: the served model lacks the manifest's ${missing.join(' and ')} (it has inputs ${meta.inputs.map((t) => t.name).join(', ') || 'none'}; outputs ${meta.outputs.map((t) => t.name).join(', ') || 'none'})`,
    );
  }
  if (inputMeta!.datatype !== 'FP32') throw new EchoError('MODEL_INVALID', `${who}: input "${input.tensor}" takes ${inputMeta!.datatype}; this runtime sends FP32`);

  const inferUrl = `${base}/infer`;
  const wanted = [output.viewTensor, output.qualityTensor];
  async function infer(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    for (const [name, t] of Object.entries(inputs)) {
      const m = meta.inputs.find((x) => x.name === name);
      if (!m) throw new EchoError('INFERENCE_FAILED', `${who}: unknown input "${name}"; the served model takes ${meta.inputs.map((x) => x.name).join(', ')}`);
      if (!fitsShape(t.dims, m.shape)) throw new EchoError('INFERENCE_FAILED', `${who}: input "${name}" has shape [${t.dims.join(', ')}]; the served model takes [${m.shape.join(', ')}]`);
    }
    const reply = await call('POST', inferUrl, inferRequest(inputs, wanted));
    if (reply.status !== 200) throw new EchoError('INFERENCE_FAILED', `${who}: POST ${inferUrl} answered ${reply.status}: ${serverError(reply.text)}`);
    const outputs = parseInferResponse(parseJson(reply, inferUrl), failWith('INFERENCE_FAILED', inferUrl));
    for (const name of wanted) {
      const t = outputs[name];
      const m = meta.outputs.find((x) => x.name === name)!;
      if (!t) throw new EchoError('INFERENCE_FAILED', `${who}: POST ${inferUrl} returned no output "${name}" (got ${Object.keys(outputs).join(', ') || 'none'})`);
      if (!fitsShape(t.dims, m.shape)) {
        throw new EchoError('INFERENCE_FAILED', `${who}: POST ${inferUrl} returned output "${name}" of shape [${t.dims.join(', ')}]; its metadata says [${m.shape.join(', ')}]`);
      }
    }
    return outputs;
  }

  const serial = fifo();
  let closed = false;
  return {
    inputNames: meta.inputs.map((t) => t.name),
    outputNames: meta.outputs.map((t) => t.name),
    async run(inputs: Record<string, Tensor>): Promise<Record<string, Tensor>> {
      // Checked at call time: calls made before close still run when their turn comes.
      if (closed) throw new EchoError('INFERENCE_FAILED', `${who}: the runtime is closed`);
      return serial(() => infer(inputs));
    },
    async close() {
      closed = true;
    },
  };
}

/** The server's `{ "error": "..." }` message when it sent one, else the start of the body. */
function serverError(text: string): string {
  try {
    const json = JSON.parse(text) as { error?: unknown };
    if (typeof json.error === 'string') return excerpt(json.error);
  } catch {
    // not JSON: show the raw text
  }
  return excerpt(text) || '(empty body)';
}

function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}

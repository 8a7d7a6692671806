/**
 * A real Open Inference Protocol (KServe v2 REST, JSON) server on 127.0.0.1 for tests: it serves one ONNX
 * model through onnxruntime-node, like Triton's ONNX backend would, so the kserve-v2 runtime is tested
 * against real HTTP and real inference. `fault` switches it into the misbehaviours a real server shows
 * (errors, wrong shapes, not ready, slow), which cannot be produced on demand otherwise.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ort from 'onnxruntime-node';
import type { DeployedModel } from '../../src/models/load.ts';
import { tensorManifest } from '../../src/models/manifest.ts';

export type Fault = 'none' | 'status-500' | 'wrong-shape' | 'short-data' | 'not-ready' | 'slow' | 'not-json';

export interface KserveTestServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** The name the model is served under. */
  name: string;
  fault: Fault;
  /** Delay of the `slow` fault, in ms. */
  slowMs: number;
  /** Inference requests answered so far. */
  inferCount: number;
  /** Headers and path of the last request. */
  last: { headers: IncomingHttpHeaders; path: string } | null;
  close(): Promise<void>;
}

export async function startKserveServer(model: DeployedModel, name = 'view-classifier'): Promise<KserveTestServer> {
  const { input, output } = tensorManifest(model.manifest, 'onnx');
  const session = await ort.InferenceSession.create(model.weightsPath!, { intraOpNumThreads: 1 });
  const metadata = {
    name,
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: input.tensor, datatype: 'FP32', shape: [-1, 1, input.height, input.width] }],
    outputs: [
      { name: output.viewTensor, datatype: 'FP32', shape: [-1, output.labels.length] },
      { name: output.qualityTensor, datatype: 'FP32', shape: [-1, 1] },
    ],
  };
  const timers = new Set<NodeJS.Timeout>();
  const state: KserveTestServer = { url: '', name, fault: 'none', slowMs: 2000, inferCount: 0, last: null, close: async () => undefined };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  async function infer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      inputs: { name: string; shape: number[]; datatype: string; data: number[] }[];
      outputs?: { name: string }[];
    };
    if (state.fault === 'status-500') return send(res, 500, { error: 'CUDA out of memory (test fault)' });
    if (state.fault === 'not-json') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>gateway page</html>');
      return;
    }
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of body.inputs) {
      if (t.datatype !== 'FP32') return send(res, 400, { error: `input ${t.name}: datatype ${t.datatype} not supported` });
      feeds[t.name] = new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
    }
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(feeds);
    } catch (err) {
      return send(res, 400, { error: (err as Error).message });
    }
    state.inferCount++;
    const names = body.outputs?.map((o) => o.name) ?? Object.keys(results);
    const outputs = names.map((n) => {
      const t = results[n]!;
      let shape = [...t.dims];
      let data = Array.from(t.data as Float32Array);
      if (state.fault === 'wrong-shape' && n === output.viewTensor) {
        shape = [shape[0]!, shape[1]! - 1];
        data = data.filter((_, i) => i % output.labels.length !== 0);
      }
      if (state.fault === 'short-data' && n === output.qualityTensor) data = data.slice(1);
      return { name: n, shape, datatype: 'FP32', data };
    });
    const reply = { model_name: name, model_version: '1', outputs };
    if (state.fault === 'slow') {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send(res, 200, reply);
      }, state.slowMs);
      timers.add(timer);
      return;
    }
    send(res, 200, reply);
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    state.last = { headers: req.headers, path };
    const base = `/v2/models/${name}`;
    const route = path.startsWith(`${base}/versions/1`) ? path.slice(`${base}/versions/1`.length) : path.startsWith(base) ? path.slice(base.length) : null;
    if (req.method === 'GET' && (path === '/v2/health/live' || path === '/v2/health/ready')) return send(res, 200, {});
    if (route === null) return send(res, 404, { error: `no model at ${path}` });
    if (req.method === 'GET' && route === '/ready') return state.fault === 'not-ready' ? send(res, 503, { error: 'model is loading' }) : send(res, 200, {});
    if (req.method === 'GET' && route === '') return send(res, 200, metadata);
    if (req.method === 'POST' && route === '/infer') {
      infer(req, res).catch((err: Error) => send(res, 500, { error: err.message }));
      return;
    }
    send(res, 404, { error: `no route ${req.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    for (const t of timers) clearTimeout(t);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await session.release();
  };
  return state;
}

/**
 * Writes a kserve-v2 model folder at `dir` mirroring the deployed onnx manifest (same name, version,
 * preprocessing and outputs) but served from `url`; `mutate` edits the manifest JSON first.
 */
export async function writeKserveModel(dir: string, onnxManifest: object, url: string, mutate?: (m: Record<string, unknown> & { endpoint: Record<string, unknown> }) => void): Promise<void> {
  const { weights: _w, weightsSha256: _s, ...rest } = onnxManifest as Record<string, unknown>;
  const m = { ...structuredClone(rest), runtime: 'kserve-v2', endpoint: { url, model: 'view-classifier', timeoutMs: 5000 } as Record<string, unknown> };
  mutate?.(m);
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}/manifest.json`, JSON.stringify(m, null, 2));
}

/**
 * kserve-v2 runtime against a real Open Inference Protocol server on loopback that runs the deployed
 * view-classifier ONNX weights (test/helpers/kserve-server.ts): the remote path gives the same clip
 * prediction as local onnxruntime, and each way a server can fail becomes a coded error naming the URL
 * and the model.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { createKserveRuntime } from '../../src/adapters/runtime/kserve-v2/index.ts';
import { createOnnxRuntime } from '../../src/adapters/runtime/onnx/index.ts';
import { isEchoError } from '../../src/errors/catalogue.ts';
import { type DeployedModel, loadModel } from '../../src/models/load.ts';
import { type ClipPrediction, predictClip } from '../../src/models/predict.ts';
import { type PhantomCineOptions, phantomCine } from '../../src/phantom/index.ts';
import type { ModelRuntime } from '../../src/ports/model-runtime.ts';
import { type KserveTestServer, startKserveServer, writeKserveModel } from '../helpers/kserve-server.ts';
import { tempDir } from '../helpers/temp.ts';

const deployedDir = new URL('../../models/view-classifier/1.0.0/', import.meta.url).pathname;

let scratch: { dir: string; cleanup: () => Promise<void> };
let onnxModel: DeployedModel;
let onnxManifest: object;
let server: KserveTestServer;
let local: ModelRuntime;
let folders = 0;

before(async () => {
  scratch = await tempDir();
  onnxModel = await loadModel(deployedDir);
  onnxManifest = JSON.parse(await readFile(join(deployedDir, 'manifest.json'), 'utf8'));
  server = await startKserveServer(onnxModel);
  local = await createOnnxRuntime(onnxModel, { intraOpThreads: 1 });
});
after(async () => {
  await local.close();
  await server.close();
  await scratch.cleanup();
});
beforeEach(() => {
  server.fault = 'none';
});

/** A kserve-v2 model folder pointing at `url` (default: the test server), loaded. */
async function kserveModel(mutate?: Parameters<typeof writeKserveModel>[3], url = server.url): Promise<DeployedModel> {
  const dir = join(scratch.dir, `m${folders++}`, '1.0.0');
  await writeKserveModel(dir, onnxManifest, url, mutate);
  return loadModel(dir);
}

async function predict(options: PhantomCineOptions, model: DeployedModel, runtime: ModelRuntime, batchSize?: number): Promise<ClipPrediction> {
  const cine = phantomCine(options);
  try {
    return await predictClip(cine, model, runtime, batchSize === undefined ? {} : { batchSize });
  } finally {
    await cine.close();
  }
}

function rejectsWith(code: 'INFERENCE_FAILED' | 'MODEL_INVALID', ...patterns: RegExp[]) {
  return (e: unknown) => {
    assert.ok(isEchoError(e, code), `expected ${code}, got ${String(e)}`);
    assert.match(e.message, /view-classifier@1\.0\.0/);
    assert.match(e.message, /127\.0\.0\.1:\d+/);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

test('over KServe v2 a phantom gets the same clip prediction as local ONNX (within 1e-5), in one or several requests', async () => {
  const model = await kserveModel((m) => {
    m.endpoint.version = '1';
    m.endpoint.headers = { 'x-api-key': 'test-key' };
  });
  const remote = await createKserveRuntime(model);
  try {
    for (const [i, options] of [
      { view: 'AP4', quality: 0.8, seed: 9_300_001, frames: 24, height: 150, width: 200, regions: true },
      { view: 'PLAX', quality: 0.5, seed: 9_300_002, frames: 30, height: 160, width: 160 },
    ].entries() as Iterable<[number, PhantomCineOptions]>) {
      const before = server.inferCount;
      const a = await predict(options, onnxModel, local);
      const b = await predict(options, model, remote, i === 0 ? undefined : 4);
      assert.equal(b.view, a.view);
      assert.deepEqual(Object.keys(b.probabilities), Object.keys(a.probabilities));
      for (const label of Object.keys(a.probabilities)) assert.ok(Math.abs(a.probabilities[label]! - b.probabilities[label]!) <= 1e-5, label);
      assert.ok(Math.abs(a.confidence - b.confidence) <= 1e-5);
      assert.ok(Math.abs(a.quality_mean - b.quality_mean) <= 1e-5);
      assert.ok(Math.abs(a.quality_std - b.quality_std) <= 1e-5);
      assert.deepEqual(
        b.frames.map((f) => [f.index, f.view]),
        a.frames.map((f) => [f.index, f.view]),
      );
      // 12 sampled frames in one request; 15 frames in batches of 4 is four requests.
      assert.equal(server.inferCount - before, i === 0 ? 1 : 4);
    }
    assert.equal(server.last?.headers['x-api-key'], 'test-key');
    assert.equal(server.last?.path, '/v2/models/view-classifier/versions/1/infer');
  } finally {
    await remote.close();
  }
});

test('server faults become INFERENCE_FAILED naming the URL and model; the runtime recovers afterwards', async () => {
  const model = await kserveModel();
  const remote = await createKserveRuntime(model);
  const options: PhantomCineOptions = { view: 'SUBC4', quality: 0.7, seed: 9_300_010, frames: 8, height: 96, width: 128 };
  try {
    server.fault = 'status-500';
    await assert.rejects(predict(options, model, remote), rejectsWith('INFERENCE_FAILED', /\/infer answered 500: CUDA out of memory \(test fault\)/));
    server.fault = 'wrong-shape';
    await assert.rejects(predict(options, model, remote), rejectsWith('INFERENCE_FAILED', /output "view_logits" of shape \[4, 12\]; its metadata says \[-1, 13\]/));
    server.fault = 'short-data';
    await assert.rejects(predict(options, model, remote), rejectsWith('INFERENCE_FAILED', /output "quality" has 3 values for shape \[4, 1\]/));
    server.fault = 'not-json';
    await assert.rejects(predict(options, model, remote), rejectsWith('INFERENCE_FAILED', /not JSON: <html>gateway page<\/html>/));
    server.fault = 'none';
    const ok = await predict(options, model, remote);
    assert.equal(ok.frames.length, 4);
  } finally {
    await remote.close();
  }
});

test('a request past endpoint.timeoutMs is abandoned with INFERENCE_FAILED', async () => {
  const model = await kserveModel((m) => (m.endpoint.timeoutMs = 300));
  const remote = await createKserveRuntime(model);
  try {
    server.fault = 'slow';
    const t0 = performance.now();
    await assert.rejects(
      predict({ view: 'AP2', quality: 0.7, seed: 9_300_020, frames: 4, height: 96, width: 96 }, model, remote),
      rejectsWith('INFERENCE_FAILED', /got no answer within 300 ms \(endpoint\.timeoutMs\)/),
    );
    assert.ok(performance.now() - t0 < 1500, 'the timeout did not wait for the slow answer');
  } finally {
    await remote.close();
  }
});

test('creation checks the server: not ready, unreachable, unknown model, wrong tensors', async () => {
  server.fault = 'not-ready';
  await assert.rejects(createKserveRuntime(await kserveModel()), rejectsWith('INFERENCE_FAILED', /not ready \(GET http:\/\/\S+\/v2\/models\/view-classifier\/ready answered 503: model is loading\)/));
  server.fault = 'none';

  // A port that was just listening and is now closed: connection refused.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await assert.rejects(createKserveRuntime(await kserveModel(undefined, `http://127.0.0.1:${port}`)), rejectsWith('INFERENCE_FAILED', /cannot reach \S+: ECONNREFUSED/));

  await assert.rejects(createKserveRuntime(await kserveModel((m) => (m.endpoint.model = 'nope'))), rejectsWith('MODEL_INVALID', /has no such model/));
  await assert.rejects(
    createKserveRuntime(await kserveModel((m) => ((m.input as Record<string, unknown>).tensor = 'pixels'))),
    rejectsWith('MODEL_INVALID', /lacks the manifest's input "pixels" \(it has inputs frames; outputs view_logits, quality\)/),
  );
});

test('a kserve-v2 model has no local weights: its identity is the SHA-256 of its manifest', async () => {
  const a = await kserveModel();
  const b = await kserveModel((m) => (m.endpoint.model = 'other'));
  assert.equal(a.identity, 'manifest');
  assert.equal(a.weightsPath, null);
  assert.match(a.weightsSha256, /^[0-9a-f]{64}$/);
  assert.notEqual(a.weightsSha256, b.weightsSha256);
});

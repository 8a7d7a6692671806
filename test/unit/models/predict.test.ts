/**
 * End to end through the real deployed model: phantoms from seeds never used in training (training uses
 * 1e6.., held-out evaluation 2e6..; 9e6.. is reserved for tests), the platform's preprocessing, the ONNX
 * runtime and the aggregation.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createOnnxRuntime } from '../../../src/adapters/runtime/onnx/index.ts';
import { isEchoError } from '../../../src/errors/catalogue.ts';
import { type DeployedModel, loadModel } from '../../../src/models/load.ts';
import { type ClipPrediction, predictClip } from '../../../src/models/predict.ts';
import { PHANTOM_VIEWS, type PhantomCineOptions, phantomCine } from '../../../src/phantom/index.ts';
import type { ModelRuntime } from '../../../src/ports/model-runtime.ts';

const deployedDir = new URL('../../../models/view-classifier/1.0.0/', import.meta.url).pathname;
const TEST_SEEDS = 9_000_000;

let model: DeployedModel;
let runtime: ModelRuntime;
before(async () => {
  model = await loadModel(deployedDir);
  runtime = await createOnnxRuntime(model, { intraOpThreads: 1 });
});
after(async () => {
  await runtime.close();
});

function clip(view: (typeof PHANTOM_VIEWS)[number], i: number, over: Partial<PhantomCineOptions> = {}): PhantomCineOptions {
  return { view, seed: TEST_SEEDS + i, quality: 0.55 + 0.03 * (i % 14), frames: 24, height: 150, width: 200, fps: 30, ...over };
}

async function predict(options: PhantomCineOptions, batchSize?: number): Promise<ClipPrediction> {
  const cine = phantomCine(options);
  try {
    return await predictClip(cine, model, runtime, batchSize === undefined ? {} : { batchSize });
  } finally {
    await cine.close();
  }
}

function withoutTimings(p: ClipPrediction): Omit<ClipPrediction, 'timings'> {
  const { timings: _t, ...rest } = p;
  return rest;
}

test('unseen phantoms of all 13 views: most are recognised; probabilities sum to 1; runs are deterministic', async (t) => {
  const results: string[] = [];
  let correct = 0;
  for (const [i, view] of PHANTOM_VIEWS.entries()) {
    const options = clip(view, i, { regions: i % 2 === 0 });
    const p = await predict(options);
    results.push(`${view}→${p.view} (${p.confidence.toFixed(2)})`);
    if (p.view === view) correct++;

    assert.deepEqual(Object.keys(p.probabilities), model.manifest.output.labels);
    const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) <= 1e-5, `probabilities sum to ${sum}`);
    assert.equal(p.confidence, Math.max(...Object.values(p.probabilities)));
    assert.equal(p.probabilities[p.view], p.confidence);
    assert.deepEqual(
      p.frames.map((f) => f.index),
      [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22],
    );
    assert.ok(p.frames.every((f) => f.quality >= 0 && f.quality <= 1 && f.confidence > 0 && f.confidence <= 1));
    assert.ok(p.quality_std >= 0 && p.quality_mean >= 0 && p.quality_mean <= 1);
    assert.ok(p.timings.read_ms >= 0 && p.timings.inference_ms >= 0);

    if (i < 3) assert.deepEqual(withoutTimings(await predict(options)), withoutTimings(p), 'a second run gives the same prediction');
  }
  t.diagnostic(`recognised ${correct}/13: ${results.join(', ')}`);
  assert.ok(correct >= 11, `recognised ${correct}/13: ${results.join(', ')}`);
});

test('the quality head ranks a good window above a poor one of the same anatomy', async () => {
  for (const [i, view] of (['AP4', 'PLAX', 'PSAXM'] as const).entries()) {
    const good = await predict(clip(view, 20 + i, { quality: 0.95 }));
    const poor = await predict(clip(view, 20 + i, { quality: 0.1 }));
    assert.ok(good.quality_mean > poor.quality_mean + 0.3, `${view}: good ${good.quality_mean.toFixed(3)} vs poor ${poor.quality_mean.toFixed(3)}`);
  }
});

test('batch size does not change the result; RGB / 16-bit containers give the same prediction', async () => {
  const options = clip('AP5', 30, { frames: 40 });
  const a = await predict(options, 16);
  const b = await predict(options, 3);
  const c = await predict({ ...options, channels: 3, bitsPerSample: 16 });
  assert.equal(a.frames.length, 20);
  for (const other of [b, c]) {
    assert.equal(other.view, a.view);
    for (const label of model.manifest.output.labels) assert.ok(Math.abs(other.probabilities[label]! - a.probabilities[label]!) < 1e-5);
    assert.ok(Math.abs(other.quality_mean - a.quality_mean) < 1e-5);
  }
});

test('a runtime answering with the wrong shape is INFERENCE_FAILED (fault injected: the real model cannot do it)', async () => {
  const broken: ModelRuntime = {
    inputNames: ['frames'],
    outputNames: ['view_logits', 'quality'],
    async run(inputs) {
      const n = inputs.frames!.dims[0]!;
      return { view_logits: { data: new Float32Array(n * 12), dims: [n, 12] }, quality: { data: new Float32Array(n), dims: [n, 1] } };
    },
    async close() {},
  };
  const cine = phantomCine(clip('AP2', 40, { frames: 4 }));
  await assert.rejects(predictClip(cine, model, broken), (e: unknown) => {
    assert.ok(isEchoError(e, 'INFERENCE_FAILED'));
    assert.match(e.message, /view-classifier@1\.0\.0: output "view_logits" has shape \[2, 12\]; \[2, 13\] expected/);
    return true;
  });
});

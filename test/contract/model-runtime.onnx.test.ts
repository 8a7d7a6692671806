/**
 * onnxruntime-only checks: the deployed ONNX graph reproduces the PyTorch outputs recorded at training
 * time (reference.json, written by training/train.py) — no PyTorch needed here — and the adapter's
 * options and single-run guard behave.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createOnnxRuntime } from '../../src/adapters/runtime/onnx/index.ts';
import { isEchoError } from '../../src/errors/catalogue.ts';
import { loadModel } from '../../src/models/load.ts';

const deployedDir = new URL('../../models/view-classifier/1.0.0/', import.meta.url).pathname;

interface Reference {
  input: { dims: number[]; dtype: 'uint8'; base64: string };
  outputs: { view_logits: number[][]; quality: number[][] };
  tolerance: number;
}

test('ONNX in Node matches the PyTorch reference outputs within 1e-4', async () => {
  const ref = JSON.parse(readFileSync(join(deployedDir, 'reference.json'), 'utf8')) as Reference;
  const bytes = Buffer.from(ref.input.base64, 'base64');
  const n = ref.input.dims[0]!;
  assert.equal(bytes.length, ref.input.dims.reduce((a, b) => a * b, 1));
  assert.ok(n >= 4);
  const data = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) data[i] = bytes[i]! / 255;
  const runtime = await createOnnxRuntime(await loadModel(deployedDir));
  try {
    const out = await runtime.run({ frames: { data, dims: ref.input.dims } });
    let worst = 0;
    for (let f = 0; f < n; f++) {
      for (let c = 0; c < 13; c++) worst = Math.max(worst, Math.abs(out.view_logits!.data[f * 13 + c]! - ref.outputs.view_logits[f]![c]!));
      worst = Math.max(worst, Math.abs(out.quality!.data[f]! - ref.outputs.quality[f]![0]!));
    }
    assert.ok(worst <= 1e-4, `largest difference from PyTorch: ${worst}`);
    // The reference must not be trivial: the frames disagree with each other.
    const firsts = ref.outputs.view_logits.map((row) => row.indexOf(Math.max(...row)));
    assert.ok(new Set(firsts).size >= 3, `reference frames predict ${firsts.join(',')}`);
  } finally {
    await runtime.close();
  }
});

test('execution providers and thread count are passed through; unknown providers are MODEL_INVALID', async () => {
  const model = await loadModel(deployedDir);
  const rt = await createOnnxRuntime(model, { executionProviders: ['cpu'], intraOpThreads: 1 });
  await rt.close();
  await assert.rejects(createOnnxRuntime(model, { executionProviders: ['no-such-provider'] }), (e: unknown) => {
    assert.ok(isEchoError(e, 'MODEL_INVALID'));
    assert.match(e.message, /no-such-provider/);
    return true;
  });
});

test('a second run before the first resolved is refused (one session, one run at a time)', async () => {
  const rt = await createOnnxRuntime(await loadModel(deployedDir), { intraOpThreads: 1 });
  try {
    const input = { frames: { data: new Float32Array(8 * 16384).fill(0.3), dims: [8, 1, 128, 128] } };
    const first = rt.run(input);
    await assert.rejects(rt.run(input), (e: unknown) => isEchoError(e, 'INFERENCE_FAILED') && /previous run/.test(e.message));
    const out = await first;
    assert.equal(out.quality!.data.length, 8);
  } finally {
    await rt.close();
  }
});

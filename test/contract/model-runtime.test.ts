/**
 * Contract suite for the ModelRuntime port (src/ports/model-runtime.ts), run against every adapter
 * through its factory, with the real deployed view-classifier weights.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createOnnxRuntime } from '../../src/adapters/runtime/onnx/index.ts';
import { isEchoError } from '../../src/errors/catalogue.ts';
import { type DeployedModel, loadModel, sha256File } from '../../src/models/load.ts';
import type { ModelRuntime, Tensor } from '../../src/ports/model-runtime.ts';
import { tempDir } from '../helpers/temp.ts';

const deployedDir = new URL('../../models/view-classifier/1.0.0/', import.meta.url).pathname;

const factories: { name: string; create: (model: DeployedModel) => Promise<ModelRuntime> }[] = [
  { name: 'onnx', create: (model) => createOnnxRuntime(model, { intraOpThreads: 1 }) },
];

/** Deterministic input frames in 0..1 (smooth gradients plus a disc, not all-equal pixels). */
function frames(n: number): Tensor {
  const data = new Float32Array(n * 128 * 128);
  for (let f = 0; f < n; f++) {
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        const disc = (x - 40 - 8 * f) ** 2 + (y - 64) ** 2 < 400 ? 0.6 : 0;
        data[f * 16384 + y * 128 + x] = Math.min(1, 0.2 + 0.002 * (x + y) * (f + 1) + disc);
      }
    }
  }
  return { data, dims: [n, 1, 128, 128] };
}

for (const { name, create } of factories) {
  describe(`ModelRuntime contract: ${name}`, () => {
    let model: DeployedModel;
    let runtime: ModelRuntime;
    before(async () => {
      model = await loadModel(deployedDir);
      runtime = await create(model);
    });
    after(async () => {
      await runtime.close();
    });

    test('names the manifest tensors among its inputs and outputs', () => {
      assert.ok(runtime.inputNames.includes(model.manifest.input.tensor));
      assert.ok(runtime.outputNames.includes(model.manifest.output.viewTensor));
      assert.ok(runtime.outputNames.includes(model.manifest.output.qualityTensor));
    });

    test('runs a batch: float32 outputs, batch first, finite, quality in 0..1', async () => {
      for (const n of [1, 5]) {
        const out = await runtime.run({ frames: frames(n) });
        const views = out.view_logits!;
        const quality = out.quality!;
        assert.deepEqual([...views.dims], [n, 13]);
        assert.deepEqual([...quality.dims], [n, 1]);
        assert.ok(views.data instanceof Float32Array);
        assert.ok(views.data.every(Number.isFinite));
        assert.ok(quality.data.every((q) => q >= 0 && q <= 1));
      }
    });

    test('frames are independent of their batch neighbours and runs are repeatable', async () => {
      const batch = await runtime.run({ frames: frames(4) });
      const again = await runtime.run({ frames: frames(4) });
      assert.deepEqual(batch.view_logits!.data, again.view_logits!.data);
      const one = frames(4);
      const third = await runtime.run({ frames: { data: one.data.slice(2 * 16384, 3 * 16384), dims: [1, 1, 128, 128] } });
      for (let c = 0; c < 13; c++) {
        assert.ok(Math.abs(third.view_logits!.data[c]! - batch.view_logits!.data[2 * 13 + c]!) < 1e-4);
      }
      assert.ok(Math.abs(third.quality!.data[0]! - batch.quality!.data[2]!) < 1e-5);
    });

    test('bad inputs reject with INFERENCE_FAILED naming the model', async () => {
      await assert.rejects(runtime.run({ pixels: frames(1) }), (e: unknown) => {
        assert.ok(isEchoError(e, 'INFERENCE_FAILED'));
        assert.match(e.message, /view-classifier@1\.0\.0/);
        assert.match(e.message, /unknown input "pixels"/);
        return true;
      });
      await assert.rejects(
        runtime.run({ frames: { data: new Float32Array(64 * 64), dims: [1, 1, 64, 64] } }),
        (e: unknown) => isEchoError(e, 'INFERENCE_FAILED') && /view-classifier@1\.0\.0/.test(e.message),
      );
      // The runtime stays usable after a failed run.
      const ok = await runtime.run({ frames: frames(1) });
      assert.equal(ok.view_logits!.data.length, 13);
    });

    test('weights that cannot be loaded reject with MODEL_INVALID; close is idempotent and final', async () => {
      const { dir, cleanup } = await tempDir();
      try {
        const copy = join(dir, 'view-classifier', '1.0.0');
        await mkdir(copy, { recursive: true });
        await writeFile(join(copy, 'model.onnx'), 'this is not an onnx graph');
        const manifest = JSON.parse(await readFile(join(deployedDir, 'manifest.json'), 'utf8'));
        manifest.weightsSha256 = await sha256File(join(copy, 'model.onnx'));
        await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest));
        const broken = await loadModel(copy);
        await assert.rejects(create(broken), (e: unknown) => isEchoError(e, 'MODEL_INVALID') && /view-classifier@1\.0\.0/.test(e.message));

        // Real weights, but a manifest naming tensors the network does not have.
        await copyFile(join(deployedDir, 'model.onnx'), join(copy, 'model.onnx'));
        manifest.weightsSha256 = await sha256File(join(copy, 'model.onnx'));
        manifest.output.qualityTensor = 'iq';
        await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest));
        await assert.rejects(create(await loadModel(copy)), (e: unknown) => isEchoError(e, 'MODEL_INVALID') && /output "iq"/.test(e.message));

        const own = await create(model);
        await own.close();
        await own.close();
        await assert.rejects(own.run({ frames: frames(1) }), (e: unknown) => isEchoError(e, 'INFERENCE_FAILED'));
      } finally {
        await cleanup();
      }
    });
  });
}

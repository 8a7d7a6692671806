/**
 * Contract suite for the ModelRuntime port (src/ports/model-runtime.ts), run against every adapter
 * through its factory, with the real deployed view-classifier weights: onnxruntime-node in a worker
 * thread (what workers use) and in process (its building block), and the kserve-v2 runtime talking to a
 * real Open Inference Protocol server on loopback that runs the same weights (test/helpers/kserve-server.ts).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createKserveRuntime } from '../../src/adapters/runtime/kserve-v2/index.ts';
import { createOnnxRuntime, createOnnxThreadRuntime, type OnnxRuntimeOptions } from '../../src/adapters/runtime/onnx/index.ts';
import { isEchoError } from '../../src/errors/catalogue.ts';
import { type DeployedModel, loadModel, sha256File } from '../../src/models/load.ts';
import { tensorManifest } from '../../src/models/manifest.ts';
import type { ModelRuntime, Tensor } from '../../src/ports/model-runtime.ts';
import { startKserveServer, writeKserveModel } from '../helpers/kserve-server.ts';
import { tempDir } from '../helpers/temp.ts';

const deployedDir = new URL('../../models/view-classifier/1.0.0/', import.meta.url).pathname;

interface Harness {
  model: DeployedModel;
  create: () => Promise<ModelRuntime>;
  /** Creating runtimes for deployments it cannot use (bad weights, a server without the tensors...). */
  unusable: ((scratch: string) => Promise<ModelRuntime>)[];
  /** Whether run calls may overlap: all runtimes but the in-process onnx building block. */
  overlapping: boolean;
  teardown: () => Promise<void>;
}

/** The onnx harness for one of its two factories (they share every check and error text). */
function onnxHarness(factory: (model: DeployedModel, options?: OnnxRuntimeOptions) => Promise<ModelRuntime>, overlapping: boolean) {
  return async (): Promise<Harness> => {
    const model = await loadModel(deployedDir);
    return {
      model,
      create: () => factory(model, { intraOpThreads: 1 }),
      unusable: [
        async (scratch) => {
          // Weights that are not an ONNX graph.
          const copy = join(scratch, 'junk', '1.0.0');
          await mkdir(copy, { recursive: true });
          await writeFile(join(copy, 'model.onnx'), 'this is not an onnx graph');
          const manifest = JSON.parse(await readFile(join(deployedDir, 'manifest.json'), 'utf8'));
          manifest.weightsSha256 = await sha256File(join(copy, 'model.onnx'));
          await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest));
          return factory(await loadModel(copy));
        },
        async (scratch) => {
          // Real weights, but a manifest naming tensors the network does not have.
          const copy = join(scratch, 'renamed', '1.0.0');
          await mkdir(copy, { recursive: true });
          await copyFile(join(deployedDir, 'model.onnx'), join(copy, 'model.onnx'));
          const manifest = JSON.parse(await readFile(join(deployedDir, 'manifest.json'), 'utf8'));
          manifest.output.qualityTensor = 'iq';
          await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest));
          return factory(await loadModel(copy));
        },
      ],
      overlapping,
      teardown: async () => undefined,
    };
  };
}

const factories: { name: string; setup: (scratch: string) => Promise<Harness> }[] = [
  { name: 'onnx (worker thread)', setup: onnxHarness(createOnnxThreadRuntime, true) },
  { name: 'onnx (in process)', setup: onnxHarness(createOnnxRuntime, false) },
  {
    name: 'kserve-v2',
    async setup(scratch) {
      const server = await startKserveServer(await loadModel(deployedDir));
      const onnxManifest = JSON.parse(await readFile(join(deployedDir, 'manifest.json'), 'utf8'));
      const dir = join(scratch, 'kserve', '1.0.0');
      await writeKserveModel(dir, onnxManifest, server.url);
      const model = await loadModel(dir);
      return {
        model,
        create: () => createKserveRuntime(model),
        unusable: [
          async (s) => {
            // A served model without the manifest's quality tensor.
            const bad = join(s, 'kserve-iq', '1.0.0');
            await writeKserveModel(bad, onnxManifest, server.url, (m) => ((m.output as Record<string, unknown>).qualityTensor = 'iq'));
            return createKserveRuntime(await loadModel(bad));
          },
          async (s) => {
            // A model name the server does not serve.
            const bad = join(s, 'kserve-other', '1.0.0');
            await writeKserveModel(bad, onnxManifest, server.url, (m) => (m.endpoint.model = 'echo-other'));
            return createKserveRuntime(await loadModel(bad));
          },
        ],
        overlapping: true,
        teardown: () => server.close(),
      };
    },
  },
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

for (const { name, setup } of factories) {
  describe(`ModelRuntime contract: ${name}`, () => {
    let harness: Harness;
    let runtime: ModelRuntime;
    let scratch: { dir: string; cleanup: () => Promise<void> };
    before(async () => {
      scratch = await tempDir();
      harness = await setup(scratch.dir);
      runtime = await harness.create();
    });
    after(async () => {
      await runtime.close();
      await harness.teardown();
      await scratch.cleanup();
    });

    test('names the manifest tensors among its inputs and outputs', () => {
      const { input, output } = tensorManifest(harness.model.manifest);
      assert.ok(runtime.inputNames.includes(input.tensor));
      assert.ok(runtime.outputNames.includes(output.viewTensor));
      assert.ok(runtime.outputNames.includes(output.qualityTensor));
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

    test('overlapping runs are run one at a time in call order, each with its own answer; a failed one stops none', async (t) => {
      if (!harness.overlapping) return t.skip('refuses overlapping calls (its own test file checks that)');
      const sizes = [3, 1, 2, 4];
      const alone = [];
      for (const n of sizes) alone.push(await runtime.run({ frames: frames(n) }));
      const settled: number[] = [];
      const calls = sizes.map((n, i) => runtime.run({ frames: frames(n) }).finally(() => settled.push(i)));
      const failing = runtime.run({ pixels: frames(1) }).finally(() => settled.push(sizes.length));
      const next = runtime.run({ frames: frames(1) }).finally(() => settled.push(sizes.length + 1));
      const outs = await Promise.all(calls);
      await assert.rejects(failing, (e: unknown) => isEchoError(e, 'INFERENCE_FAILED') && /unknown input "pixels"/.test(e.message));
      assert.equal((await next).quality!.data.length, 1);
      assert.deepEqual(settled, [0, 1, 2, 3, 4, 5]);
      for (const [i, out] of outs.entries()) {
        assert.deepEqual([...out.view_logits!.dims], [sizes[i], 13]);
        for (let k = 0; k < out.view_logits!.data.length; k++) {
          assert.ok(Math.abs(out.view_logits!.data[k]! - alone[i]!.view_logits!.data[k]!) < 1e-5);
        }
      }
    });

    test('a deployment it cannot use rejects with MODEL_INVALID naming the model; close is idempotent and final', async () => {
      for (const create of harness.unusable) {
        await assert.rejects(create(scratch.dir), (e: unknown) => isEchoError(e, 'MODEL_INVALID') && /view-classifier@1\.0\.0/.test(e.message));
      }
      const own = await harness.create();
      await own.close();
      await own.close();
      await assert.rejects(own.run({ frames: frames(1) }), (e: unknown) => isEchoError(e, 'INFERENCE_FAILED'));
    });
  });
}

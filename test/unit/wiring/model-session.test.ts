/**
 * openModelSession wires every runtime behind the same session: onnx and kserve-v2 through core's
 * predictClip, command through its ClipRuntime; identity and close behave the same for the worker.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../../src/config/load.ts';
import { loadModel, sha256File } from '../../../src/models/load.ts';
import { phantomCine } from '../../../src/phantom/index.ts';
import { openModelSession } from '../../../src/wiring/model.ts';
import { startKserveServer, writeKserveModel } from '../../helpers/kserve-server.ts';
import { tempDir } from '../../helpers/temp.ts';

const root = new URL('../../../', import.meta.url).pathname;
let scratch: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  scratch = await tempDir();
});
after(async () => {
  await scratch.cleanup();
});

function config(model: string) {
  return loadConfig({ ECHO_CLOUD_DATA_DIR: join(scratch.dir, 'data'), ECHO_CLOUD_MODELS_DIR: join(scratch.dir, 'models'), ECHO_CLOUD_MODEL: model });
}

const PHANTOM = { view: 'PSAXM', quality: 0.7, seed: 9_500_001, frames: 20, height: 120, width: 160, regions: true } as const;

test('a deployed command model: resolved by name, identity from its script, predict runs the program, close cleans up', async () => {
  cpSync(join(root, 'examples/command-model'), join(scratch.dir, 'models/image-stats-example/0.1.0'), { recursive: true });
  const cfg = config('image-stats-example');
  const session = await openModelSession(cfg);
  assert.deepEqual(session.identity, {
    name: 'image-stats-example',
    version: '0.1.0',
    weightsSha256: await sha256File(join(root, 'examples/command-model/model.py')),
  });
  const work = join(cfg.dataDir, 'work', `model-${process.pid}`);
  const cine = phantomCine(PHANTOM);
  try {
    const p = await session.predict(cine, { path: '/nonexistent/ignored-in-tensor-mode.mat', name: 'x.mat' });
    assert.equal(Object.keys(p.probabilities).length, 13);
    assert.equal(p.frames.length, 10);
    assert.ok(existsSync(work));
  } finally {
    await cine.close();
    await session.close();
  }
  assert.equal(existsSync(work), false);
});

test('a kserve-v2 model answers like the local onnx session', async () => {
  const onnxDir = join(root, 'models/view-classifier/1.0.0');
  const server = await startKserveServer(await loadModel(onnxDir));
  const dir = join(scratch.dir, 'remote/1.0.0');
  await writeKserveModel(dir, JSON.parse(readFileSync(join(onnxDir, 'manifest.json'), 'utf8')), server.url);
  const remote = await openModelSession(config('view-classifier'), await loadModel(dir));
  const local = await openModelSession({ ...config('view-classifier'), modelsDir: join(root, 'models'), inferenceThreads: 1 });
  const cine = phantomCine(PHANTOM);
  try {
    assert.equal(remote.identity.name, 'view-classifier');
    assert.notEqual(remote.identity.weightsSha256, local.identity.weightsSha256, 'a remote model is identified by its manifest');
    const a = await local.predict(cine);
    const b = await remote.predict(cine);
    assert.equal(b.view, a.view);
    assert.ok(Math.abs(a.confidence - b.confidence) <= 1e-5);
    assert.ok(Math.abs(a.quality_mean - b.quality_mean) <= 1e-5);
  } finally {
    await cine.close();
    await remote.close();
    await local.close();
    await server.close();
  }
});

test('an onnx session takes overlapping clips (a worker reads the next while one is inferred), each answered as alone', async () => {
  const session = await openModelSession({ ...config('view-classifier'), modelsDir: join(root, 'models'), inferenceThreads: 1 });
  const cines = [phantomCine(PHANTOM), phantomCine({ ...PHANTOM, view: 'AP4', seed: 9_500_002 })];
  try {
    const alone = [];
    for (const cine of cines) alone.push(await session.predict(cine));
    const together = await Promise.all(cines.map((cine) => session.predict(cine)));
    for (const [i, p] of together.entries()) {
      assert.deepEqual(p.probabilities, alone[i]!.probabilities);
      assert.deepEqual(p.frames, alone[i]!.frames);
    }
  } finally {
    for (const cine of cines) await cine.close();
    await session.close();
  }
});

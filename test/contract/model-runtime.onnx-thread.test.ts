/**
 * The threaded onnx runtime (src/adapters/runtime/onnx/onnx-thread.ts) against its in-process building
 * block, with the real deployed weights: the same floats and the same coded errors across the thread
 * boundary, overlapping calls in call order, a thread that dies, and a process that ends on its own.
 * The port's contract suite (model-runtime.test.ts) runs on it too.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createOnnxRuntime, createOnnxThreadRuntime, type OnnxRuntimeOptions } from '../../src/adapters/runtime/onnx/index.ts';
import { connectThread } from '../../src/adapters/runtime/onnx/onnx-thread.ts';
import { EchoError } from '../../src/errors/catalogue.ts';
import { type DeployedModel, loadModel, sha256File } from '../../src/models/load.ts';
import type { ModelRuntime, Tensor } from '../../src/ports/model-runtime.ts';
import { tempDir } from '../helpers/temp.ts';

const deployedDir = new URL('../../models/view-classifier/1.0.0/', import.meta.url).pathname;
const PLANE = 128 * 128;

let model: DeployedModel;
let local: ModelRuntime;
let threaded: ModelRuntime;
let scratch: { dir: string; cleanup: () => Promise<void> };
before(async () => {
  scratch = await tempDir();
  model = await loadModel(deployedDir);
  local = await createOnnxRuntime(model, { intraOpThreads: 1 });
  threaded = await createOnnxThreadRuntime(model, { intraOpThreads: 1 });
});
after(async () => {
  await local.close();
  await threaded.close();
  await scratch.cleanup();
});

/** `n` frames of a seeded pattern, as a view into a larger array, the way core's predictClip passes them. */
function batch(n: number, seed: number): Tensor {
  const all = new Float32Array((n + 3) * PLANE);
  for (let i = 0; i < all.length; i++) all[i] = ((i * 7919 + seed * 104729) % 1000) / 1000;
  return { data: all.subarray(2 * PLANE, (2 + n) * PLANE), dims: [n, 1, 128, 128] };
}

async function rejection(p: Promise<unknown>): Promise<EchoError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof EchoError, `an EchoError expected, got ${err}`);
    return err;
  }
  assert.fail('the call resolved');
}

test('gives exactly the in-process floats for a 16-frame batch, and leaves the caller its arrays', async () => {
  const input = batch(16, 1);
  const before = input.data.slice();
  const want = await local.run({ frames: input });
  const got = await threaded.run({ frames: input });
  assert.deepEqual(threaded.inputNames, local.inputNames);
  assert.deepEqual(threaded.outputNames, local.outputNames);
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  for (const name of Object.keys(want)) {
    assert.deepEqual([...got[name]!.dims], [...want[name]!.dims]);
    assert.ok(got[name]!.data instanceof Float32Array);
    assert.deepEqual(got[name]!.data, want[name]!.data, `output "${name}" differs`);
  }
  // The input was copied, not moved: the caller's (larger) buffer is intact and unchanged.
  assert.equal(input.data.buffer.byteLength, 19 * PLANE * 4);
  assert.deepEqual(input.data, before);
});

test('overlapping calls resolve in call order, each with its own exact answer; inputs are taken at call time', async () => {
  const inputs = [4, 16, 1, 9, 16].map((n, i) => batch(n, 10 + i));
  const want = [];
  for (const input of inputs) want.push(await local.run({ frames: input }));
  const order: number[] = [];
  const calls = inputs.map((input, i) => threaded.run({ frames: input }).finally(() => order.push(i)));
  // Overwriting an input right after its call was made changes nothing: the runtime copied it.
  for (const input of inputs) input.data.fill(0);
  const got = await Promise.all(calls);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  for (const [i, out] of got.entries()) {
    assert.deepEqual(out.view_logits!.data, want[i]!.view_logits!.data);
    assert.deepEqual(out.quality!.data, want[i]!.quality!.data);
  }
});

test('run errors arrive as the same code and message as in process', async () => {
  const cases: Record<string, Tensor>[] = [
    { pixels: batch(1, 2) },
    // Wrong frame size: onnxruntime itself refuses the shape.
    { frames: { data: new Float32Array(64 * 64), dims: [1, 1, 64, 64] } },
    // Data that does not fill the stated shape.
    { frames: { data: new Float32Array(PLANE), dims: [2, 1, 128, 128] } },
  ];
  for (const inputs of cases) {
    const want = await rejection(local.run(inputs));
    const got = await rejection(threaded.run(inputs));
    assert.equal(got.code, 'INFERENCE_FAILED');
    assert.equal(got.code, want.code);
    assert.equal(got.message, want.message);
  }
});

test('creation errors arrive as the same code and message: weights that are not ONNX, an unknown provider', async () => {
  const copy = join(scratch.dir, 'junk', '1.0.0');
  await mkdir(copy, { recursive: true });
  await writeFile(join(copy, 'model.onnx'), 'this is not an onnx graph');
  const manifest = JSON.parse(await readFile(join(deployedDir, 'manifest.json'), 'utf8'));
  manifest.weightsSha256 = await sha256File(join(copy, 'model.onnx'));
  await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest));
  const junk = await loadModel(copy);
  const cases: [DeployedModel, OnnxRuntimeOptions][] = [
    [junk, {}],
    [model, { executionProviders: ['no-such-provider'] }],
  ];
  for (const [m, options] of cases) {
    const want = await rejection(createOnnxRuntime(m, options));
    const got = await rejection(createOnnxThreadRuntime(m, options));
    assert.equal(got.code, 'MODEL_INVALID');
    assert.equal(got.message, want.message);
  }
});

test('close lets the calls made before it finish, is idempotent, and refuses later calls', async () => {
  const rt = await createOnnxThreadRuntime(model, { intraOpThreads: 1 });
  const pending = rt.run({ frames: batch(8, 3) });
  const closing = rt.close();
  assert.equal((await pending).quality!.data.length, 8);
  await closing;
  await rt.close();
  const refused = await rejection(rt.run({ frames: batch(1, 3) }));
  assert.equal(refused.code, 'INFERENCE_FAILED');
  assert.match(refused.message, /view-classifier@1\.0\.0: the runtime is closed/);
});

/** A stand-in thread that announces a session, then behaves as `onRequest` (CommonJS source) says. */
function fakeThread(onRequest: string): Worker {
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.postMessage({ id: 0, names: { inputNames: ['frames'], outputNames: ['view_logits', 'quality'] } });
     parentPort.on('message', () => { ${onRequest} });`,
    { eval: true },
  );
}

for (const [what, onRequest, reason] of [
  ['exits', 'process.exit(7)', /stopped unexpectedly \(exit code 7\)/],
  ['throws', "throw new Error('native trouble')", /the inference thread failed: native trouble/],
] as const) {
  test(`a thread that ${what} mid-run fails that call and every later one with INFERENCE_FAILED naming the model`, async () => {
    const rt = await connectThread(fakeThread(onRequest), 'model fake@1.0.0');
    const first = await rejection(rt.run({ frames: batch(1, 4) }));
    assert.equal(first.code, 'INFERENCE_FAILED');
    assert.match(first.message, /^model fake@1\.0\.0: /);
    assert.match(first.message, reason);
    const later = await rejection(rt.run({ frames: batch(1, 4) }));
    assert.equal(later.message, first.message);
    await rt.close();
    await rt.close();
  });
}

test('a thread that dies before announcing its session fails the creation with INFERENCE_FAILED', async () => {
  const err = await rejection(connectThread(new Worker('process.exit(3)', { eval: true }), 'model fake@1.0.0'));
  assert.equal(err.code, 'INFERENCE_FAILED');
  assert.match(err.message, /^model fake@1\.0\.0: the inference thread stopped unexpectedly \(exit code 3\)/);
});

/**
 * Runs a child node process that creates a threaded runtime, runs one batch, optionally closes it,
 * prints "done" and then has nothing left to do; resolves to its exit code, or fails if the process is
 * still there 5 s after "done".
 */
async function childExit(close: boolean): Promise<number | null> {
  const onnx = new URL('../../src/adapters/runtime/onnx/index.ts', import.meta.url).href;
  const load = new URL('../../src/models/load.ts', import.meta.url).href;
  const script = `
    import { createOnnxThreadRuntime } from ${JSON.stringify(onnx)};
    import { loadModel } from ${JSON.stringify(load)};
    const rt = await createOnnxThreadRuntime(await loadModel(${JSON.stringify(deployedDir)}), { intraOpThreads: 1 });
    const out = await rt.run({ frames: { data: new Float32Array(2 * 16384).fill(0.5), dims: [2, 1, 128, 128] } });
    if (out.quality.data.length !== 2) throw new Error('bad output');
    ${close ? 'await rt.close();' : ''}
    console.log('done');`;
  const file = join(scratch.dir, `child-${close ? 'close' : 'idle'}.mjs`);
  await writeFile(file, script);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if (!timer && chunk.toString().includes('done')) {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`the process was still running 5 s after it ${close ? 'closed the runtime' : 'went idle'}`));
        }, 5000);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!timer) reject(new Error(`the child ended (code ${code}) before it was done`));
      resolve(code);
    });
  });
}

test('a process ends on its own once it closed the runtime', async () => {
  assert.equal(await childExit(true), 0);
});

test('an idle runtime does not keep its process alive either (the thread is unref’d between calls)', async () => {
  assert.equal(await childExit(false), 0);
});

/**
 * The command runtime with real child processes: the example Python model (examples/command-model) end
 * to end on phantom cines, the file contract as a program sees it (numpy reads exactly the platform's
 * preprocessed frames), and every way a program can fail: time limit (its whole process group ends),
 * non-zero exit, endless output, memory limit, malformed result.json, runtime closed mid-call.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCommandRuntime } from '../../src/adapters/runtime/command/index.ts';
import { isEchoError } from '../../src/errors/catalogue.ts';
import { type DeployedModel, loadModel, sha256File } from '../../src/models/load.ts';
import { prepareFrames } from '../../src/models/preprocess.ts';
import { type PhantomCineOptions, phantomCine } from '../../src/phantom/index.ts';
import type { ClipContext, ClipRuntime, ClipRuntimePrediction } from '../../src/ports/model-runtime.ts';
import { tempDir } from '../helpers/temp.ts';

const exampleDir = new URL('../../examples/command-model/', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';
const LABELS = ['AP2', 'AP3', 'AP4', 'AP5', 'PLAX', 'RVIF', 'SUBC4', 'SUBIVC', 'PSAXAo', 'PSAXM', 'PSAXPM', 'PSAXAp', 'SUPRA'];
const TENSOR_INPUT = { height: 32, width: 32, channels: 1, frames: { dropRate: 0.5, max: 8 }, cropToSector: true, scale: [0, 1], resize: 'area' };
const PHANTOM: PhantomCineOptions = { view: 'AP4', quality: 0.8, seed: 9_400_001, frames: 24, height: 150, width: 200, fps: 25, regions: true };

let scratch: { dir: string; cleanup: () => Promise<void> };
let clipsDir: string;
let models = 0;

before(async () => {
  scratch = await tempDir();
  clipsDir = join(scratch.dir, 'clips');
});
after(async () => {
  await scratch.cleanup();
});

/** A command model folder with `files` beside its manifest; returns it loaded. */
async function commandModel(command: Record<string, unknown>, options: { input?: object; files?: Record<string, string> } = {}): Promise<DeployedModel> {
  const dir = join(scratch.dir, 'models', `m${models++}`);
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(options.files ?? {})) await writeFile(join(dir, name), text);
  const manifest = {
    schemaVersion: 1,
    name: 'test-command',
    version: '1.0.0',
    runtime: 'command',
    command,
    input: options.input ?? TENSOR_INPUT,
    output: { labels: LABELS },
    aggregation: { method: 'mean' },
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return loadModel(dir);
}

async function runOnce(model: DeployedModel, context?: ClipContext, phantom: PhantomCineOptions = PHANTOM): Promise<ClipRuntimePrediction> {
  const runtime = await createCommandRuntime(model, { scratchDir: clipsDir });
  const cine = phantomCine(phantom);
  try {
    return await runtime.predictClip(cine, context);
  } finally {
    await cine.close();
    await runtime.close();
  }
}

function failsWith(...patterns: RegExp[]) {
  return (e: unknown) => {
    assert.ok(isEchoError(e, 'INFERENCE_FAILED'), `expected INFERENCE_FAILED, got ${String(e)}`);
    assert.match(e.message, /^model test-command@1\.0\.0/);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

/** What is left in the runtimes' scratch folder (which a runtime removes on close when it made it). */
async function leftovers(): Promise<string[]> {
  return existsSync(clipsDir) ? readdir(clipsDir) : [];
}

/** A process is gone when /proc no longer has it or it is a zombie waiting for its reaper. */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  while (Date.now() < until && pids.some((p) => !gone(p))) await new Promise((r) => setTimeout(r, 25));
  return pids.filter((p) => !gone(p));
}

test('the example Python model runs end to end: 13 probabilities summing to 1, one row per sampled frame, deterministic', async () => {
  const model = await loadModel(exampleDir);
  assert.equal(model.identity, 'weights');
  assert.equal(model.weightsSha256, await sha256File(join(exampleDir, 'model.py')));
  const runtime = await createCommandRuntime(model, { scratchDir: clipsDir });
  try {
    const results: ClipRuntimePrediction[] = [];
    for (const options of [PHANTOM, PHANTOM, { ...PHANTOM, view: 'PLAX', seed: 9_400_002, quality: 0.4 } as PhantomCineOptions]) {
      const cine = phantomCine(options);
      results.push(await runtime.predictClip(cine));
      await cine.close();
    }
    for (const p of results) {
      assert.deepEqual(Object.keys(p.probabilities), LABELS);
      const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-9, `sum ${sum}`);
      assert.equal(p.confidence, p.probabilities[p.view]);
      assert.equal(p.confidence, Math.max(...Object.values(p.probabilities)));
      assert.deepEqual(
        p.frames.map((f) => f.index),
        [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22],
      );
      assert.ok(p.quality_mean > 0 && p.quality_mean < 1 && p.quality_std >= 0);
      assert.ok(p.timings.inference_ms > 0);
    }
    const strip = ({ timings: _t, ...rest }: ClipRuntimePrediction) => rest;
    assert.deepEqual(strip(results[1]!), strip(results[0]!));
    // A different clip gives a different answer: the numbers come from the pixels.
    assert.notDeepEqual(results[2]!.probabilities, results[0]!.probabilities);
  } finally {
    await runtime.close();
  }
  assert.equal(existsSync(clipsDir), false, 'the scratch folder the runtime created is removed on close');
});

test('the program sees the contract: numpy reads exactly the preprocessed frames, cine.json describes them', async () => {
  const out = join(scratch.dir, 'seen');
  await mkdir(out);
  const script = `
import hashlib, json, os, sys
import numpy as np
d = sys.argv[1]
a = np.load(os.path.join(d, "cine.npy"))
meta = json.load(open(os.path.join(d, "cine.json")))
open(os.environ["OUT"] + "/seen.json", "w").write(json.dumps({
  "argv": sys.argv[1:], "dir": os.environ["ECHO_CLOUD_CLIP_DIR"], "model_dir": os.environ["ECHO_CLOUD_MODEL_DIR"], "cwd": os.getcwd(),
  "secret": os.environ.get("ECHO_CLOUD_SECRET_FOR_TEST"), "dtype": str(a.dtype), "shape": list(a.shape),
  "sha256": hashlib.sha256(a.tobytes()).hexdigest(), "files": sorted(os.listdir(d)), "meta": meta}))
n = a.shape[0]
p = np.full((n, 13), 0.02); p[:, 4] = 0.76
json.dump({"labels": meta["labels"], "frames": [{"probabilities": p[i].tolist(), "quality": float(a[i].mean())} for i in range(n)]},
          open(os.path.join(d, "result.json"), "w"))
`;
  process.env.ECHO_CLOUD_SECRET_FOR_TEST = 'must-not-leak';
  const model = await commandModel({ argv: [PYTHON, 'probe.py'], env: { OUT: out } }, { files: { 'probe.py': script } });
  const p = await runOnce(model, { source: { name: 'clip.mat' } });
  delete process.env.ECHO_CLOUD_SECRET_FOR_TEST;
  const seen = JSON.parse(await readFile(join(out, 'seen.json'), 'utf8'));
  const cine = phantomCine(PHANTOM);
  const prepared = await prepareFrames(cine, TENSOR_INPUT as Parameters<typeof prepareFrames>[1]);
  await cine.close();
  assert.equal(seen.dtype, 'float32');
  assert.equal(prepared.indices.length, 8, 'input.frames.max = 8 of the 12 kept frames');
  assert.deepEqual(seen.shape, [8, 1, 32, 32]);
  assert.equal(seen.sha256, createHash('sha256').update(new Uint8Array(prepared.data.buffer, prepared.data.byteOffset, prepared.data.byteLength)).digest('hex'));
  assert.deepEqual(seen.files, ['cine.json', 'cine.npy']);
  assert.deepEqual(seen.argv, [seen.dir]);
  assert.equal(seen.model_dir, model.dir);
  assert.equal(seen.cwd, model.dir);
  assert.equal(seen.secret, null, "the worker's environment is not passed on");
  assert.equal(seen.meta.contract, 1);
  assert.deepEqual(seen.meta.labels, LABELS);
  assert.deepEqual(seen.meta.frameIndices, prepared.indices);
  assert.deepEqual(seen.meta.input.shape, [8, 1, 32, 32]);
  assert.deepEqual(seen.meta.source, { format: 'phantom', frames: 24, height: 150, width: 200, channels: 1, bitsPerSample: 8, fps: 25, name: 'clip.mat' });
  // Probabilities given as such are aggregated as they are.
  assert.equal(p.view, 'PLAX');
  assert.ok(Math.abs(p.confidence - 0.76) < 1e-12);
  assert.deepEqual(
    p.frames.map((f) => f.index),
    prepared.indices,
  );
  assert.ok(Math.abs(p.frames[3]!.quality - prepared.data.subarray(3 * 1024, 4 * 1024).reduce((a, b) => a + b, 0) / 1024) < 1e-5);
  assert.deepEqual(await leftovers(), [], 'the clip directory is removed after the call');
});

test('input mode "original": the program gets the file path and may answer for the whole clip', async () => {
  const original = join(scratch.dir, 'upload.bin');
  await writeFile(original, Buffer.alloc(1234, 7));
  const script = `
import json, os, sys
d = os.environ["ECHO_CLOUD_CLIP_DIR"]
meta = json.load(open(os.path.join(d, "cine.json")))
size = os.path.getsize(meta["input"]["path"])
probs = {l: 0.0 for l in meta["labels"]}; probs["SUPRA"] = 0.9; probs["AP2"] = 0.1
json.dump({"view": "SUPRA", "confidence": 0.9, "probabilities": probs, "quality_mean": size / 10000, "quality_std": 0.01,
           "labels": meta["labels"]}, open(os.path.join(d, "result.json"), "w"))
assert sys.argv[2] == meta["input"]["path"]
`;
  const model = await commandModel({ argv: [PYTHON, 'clip.py', '{dir}', '{input}'] }, { input: { mode: 'original' }, files: { 'clip.py': script } });
  const p = await runOnce(model, { source: { path: original, name: 'upload.bin' } });
  assert.equal(p.view, 'SUPRA');
  assert.equal(p.quality_mean, 0.1234);
  assert.deepEqual(p.frames, []);
  await assert.rejects(runOnce(model), failsWith(/input mode "original" needs the original file's path/));
});

test('a program past command.timeoutMs is killed with its whole process group, even children ignoring SIGTERM', async () => {
  const pidFile = join(scratch.dir, 'pids');
  // The shell starts a child that ignores SIGTERM, records both pids, and waits forever.
  const script = `(trap '' TERM; exec sleep 30) & echo $$ $! > "$PID_FILE"; wait`;
  const model = await commandModel({ argv: ['/bin/sh', '-c', script], timeoutMs: 400, killGraceMs: 300, env: { PID_FILE: pidFile } });
  const t0 = performance.now();
  await assert.rejects(runOnce(model), failsWith(/ran past command\.timeoutMs \(400 ms\) and its process group was killed/));
  const elapsed = performance.now() - t0;
  assert.ok(elapsed < 3000, `took ${elapsed} ms`);
  const pids = readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number);
  assert.equal(pids.length, 2);
  assert.deepEqual(await waitGone(pids, 2000), [], 'no process of the program is left');
  assert.deepEqual(await leftovers(), []);
});

test('a non-zero exit is INFERENCE_FAILED with the exit code and the end of stderr; output kept is capped', async () => {
  const failing = await commandModel({ argv: ['/bin/sh', '-c', 'echo loading weights; echo "Traceback: ValueError: frame 3 is empty" >&2; exit 3'] });
  await assert.rejects(runOnce(failing), failsWith(/exited with code 3; stderr ends: Traceback: ValueError: frame 3 is empty$/));

  const chatty = await commandModel({ argv: ['/bin/sh', '-c', 'head -c 2000000 /dev/zero | tr "\\0" x >&2; echo END-OF-LOG >&2; exit 1'], outputTailBytes: 256 });
  await assert.rejects(runOnce(chatty), (e: unknown) => {
    failsWith(/exited with code 1/, /\[\d+ earlier bytes not kept\] x+END-OF-LOG$/)(e);
    assert.ok((e as Error).message.length < 1000, `message is ${(e as Error).message.length} characters`);
    return true;
  });

  const killed = await commandModel({ argv: ['/bin/sh', '-c', 'kill -KILL $$'] });
  await assert.rejects(runOnce(killed), failsWith(/was killed by signal SIGKILL; it wrote nothing/));
});

test('command.memoryMb limits the address space through ulimit -v', async () => {
  const greedy = await commandModel({ argv: [PYTHON, '-c', 'bytearray(400 * 1024 * 1024)'], memoryMb: 200 });
  await assert.rejects(runOnce(greedy), failsWith(/exited with code 1 \(command\.memoryMb is 200; an allocation past it fails\); stderr ends: .*MemoryError/s));
  const modest = await commandModel({ argv: [PYTHON, '-c', 'bytearray(400 * 1024 * 1024)'], memoryMb: 1024 });
  await assert.rejects(runOnce(modest), failsWith(/no result\.json/));
});

test('a result.json that breaks the contract names the file and the field', async () => {
  const writes = async (json: string) => {
    const model = await commandModel({ argv: ['/bin/sh', '-c', `printf '%s' '${json}' > "$ECHO_CLOUD_CLIP_DIR/result.json"`] });
    return runOnce(model, undefined, { ...PHANTOM, frames: 4 });
  };
  const row = (p: number[]) => `{"probabilities":[${p.join(',')}],"quality":0.5}`;
  const good = [0.5, 0.5, ...Array(11).fill(0)];
  await assert.rejects(writes('{"frames": ['), failsWith(/result\.json is not valid JSON/));
  await assert.rejects(writes('{"frames": [{"logits": [NaN], "quality": 1}]}'), failsWith(/not valid JSON.*NaN and Infinity are not JSON/));
  await assert.rejects(writes(`{"frames": [${row(good)}]}`), failsWith(/field "frames" has 1 entries; the program was given 2 frames/));
  await assert.rejects(writes(`{"frames": [${row(good)}, ${row([0.9, ...Array(12).fill(0)])}]}`), failsWith(/field "frames\[1\]\.probabilities" sums to 0\.9/));
  await assert.rejects(writes(`{"frames": [${row(good)}, ${row(good.slice(1))}]}`), failsWith(/field "frames\[1\]\.probabilities" must be an array of 13 numbers/));
  await assert.rejects(writes(`{"labels": ["A", "B"], "frames": [${row(good)}, ${row(good)}]}`), failsWith(/field "labels" must equal the manifest's output\.labels/));
  const ok = await writes(`{"frames": [${row(good)}, ${row(good)}]}`);
  assert.equal(ok.view, 'AP2');
  const silent = await commandModel({ argv: ['/bin/true'] });
  await assert.rejects(runOnce(silent), failsWith(/exited with code 0 but wrote no result\.json/));
});

test('a missing program is MODEL_INVALID at creation; close ends a call in flight and refuses new ones', async () => {
  const missing = await commandModel({ argv: ['no-such-program-echo-cloud'] });
  await assert.rejects(createCommandRuntime(missing), (e: unknown) => isEchoError(e, 'MODEL_INVALID') && /command\.argv\[0\] "no-such-program-echo-cloud"/.test(e.message));
  const notExecutable = await commandModel({ argv: ['./model.py'] }, { files: { 'model.py': 'print(1)' } });
  await assert.rejects(createCommandRuntime(notExecutable), (e: unknown) => isEchoError(e, 'MODEL_INVALID') && /is not an executable file/.test(e.message));

  const pidFile = join(scratch.dir, 'pid-close');
  const model = await commandModel({ argv: ['/bin/sh', '-c', 'echo $$ > "$PID_FILE"; sleep 30'], killGraceMs: 100, env: { PID_FILE: pidFile } });
  const runtime: ClipRuntime = await createCommandRuntime(model, { scratchDir: clipsDir });
  const cine = phantomCine(PHANTOM);
  const call = runtime.predictClip(cine);
  while (!existsSync(pidFile)) await new Promise((r) => setTimeout(r, 20));
  const stopped = assert.rejects(call, failsWith(/was stopped because the runtime closed/));
  await runtime.close();
  await stopped;
  await assert.rejects(runtime.predictClip(cine), failsWith(/the runtime is closed/));
  await cine.close();
  assert.deepEqual(await waitGone([Number(readFileSync(pidFile, 'utf8'))], 2000), []);
});

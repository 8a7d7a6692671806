/**
 * `npm run bench:model`: the default model (view-classifier) through onnxruntime-node against the same
 * network in PyTorch on CPU (Debian's torch), in one run. Both sides get the same batch: one phantom clip
 * (AP4, 48 frames 800×600 written as MAT and read back) prepared by the platform's preprocessing into
 * 32 frames of 128×128, run as one batch [32, 1, 128, 128]. Thread counts are equal on both sides
 * (onnxruntime intraOpNumThreads = torch.set_num_threads = N, inter-op 1), for N = 1 and 2.
 *
 * The PyTorch side (bench/lib/python-model.py) builds the network from training/train.py, loads the
 * weights from the committed ONNX file and must match onnxruntime's outputs to 1e-4 before it is timed;
 * a mismatch stops the bench with an error. Warm-up runs are excluded; figures are medians. The runs of the
 * two sides are interleaved (one onnxruntime run, one PyTorch run, ...; PyTorch runs in a child process
 * that answers timing requests), so both see the same machine load on a shared machine.
 * Env: BENCH_RUNS (default 30, at least 20), BENCH_WARMUP (default 5), BENCH_THREADS (default "1,2").
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createOnnxRuntime } from '../src/adapters/runtime/onnx/index.ts';
import { PROJECT_ROOT } from '../src/config/load.ts';
import { writePatientMat } from '../src/formats/mat-v5/write-mat.ts';
import { openCine } from '../src/formats/open-cine.ts';
import { loadModel } from '../src/models/load.ts';
import { tensorManifest } from '../src/models/manifest.ts';
import { prepareFrames } from '../src/models/preprocess.ts';
import { generatePhantom } from '../src/phantom/index.ts';
import { createNpy } from '../training/npy.ts';
import { median } from './lib/stats.ts';

const RUNS = Math.max(20, Number(process.env.BENCH_RUNS ?? 30));
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const THREADS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const FRAMES = 32;

function writeNpy(path: string, data: Float32Array, shape: number[]): void {
  const f = createNpy(path, '<f4', shape);
  f.write(0, data);
  f.close();
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

interface TorchInfo {
  threads: number;
  torch: string;
  maxDiff: { view_logits: number; quality: number; frozen: number };
}

/** The PyTorch side as a child process: parity check and warm-up, then one timed run per request. */
async function startTorch(args: string[]): Promise<{ info: TorchInfo; time(variant: 'eager' | 'frozen'): Promise<number>; stop(): void }> {
  const child = spawn('/usr/bin/python3', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error(`the PyTorch side failed (exit ${await exited}); nothing was timed:\n${stderr.trim()}`);
    return line.value;
  };
  const info = JSON.parse(await next()) as TorchInfo;
  return {
    info,
    async time(variant) {
      child.stdin.write(`${variant}\n`);
      return Number(await next());
    },
    stop() {
      child.stdin.end('quit\n');
    },
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'echo-bench-model-'));
  try {
    const model = await loadModel(join(PROJECT_ROOT, 'models/view-classifier/1.0.0'));
    const manifest = tensorManifest(model.manifest, 'onnx');
    const weights = model.weightsPath!;

    // The same preprocessed batch for both sides: the platform's own preparation of a phantom clip.
    const p = generatePhantom({ view: 'AP4', quality: 0.8, seed: 9_900_001, frames: 48, height: 600, width: 800 });
    const mat = join(dir, 'clip.mat');
    writeFileSync(mat, writePatientMat(p.frames, p.height, p.width));
    const cine = await openCine(mat, { limits: { maxDecodedBytes: 1024 ** 3 } });
    const prepared = await prepareFrames(cine, { ...manifest.input, frames: { dropRate: 0, max: FRAMES } });
    await cine.close();
    const dims = [prepared.indices.length, 1, manifest.input.height, manifest.input.width];
    if (dims[0] !== FRAMES) throw new Error(`expected ${FRAMES} prepared frames, got ${dims[0]}`);
    writeNpy(join(dir, 'frames.npy'), prepared.data, dims);
    const input = new ort.Tensor('float32', prepared.data, dims);

    const rows = [];
    for (const n of THREADS) {
      const session = await ort.InferenceSession.create(weights, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        intraOpNumThreads: n,
        interOpNumThreads: 1,
      });
      const feeds = { [manifest.input.tensor]: input };
      const ref = await session.run(feeds);
      const view = ref[manifest.output.viewTensor]!;
      const quality = ref[manifest.output.qualityTensor]!;
      writeNpy(join(dir, 'ort-view.npy'), view.data as Float32Array, [...view.dims]);
      writeNpy(join(dir, 'ort-quality.npy'), quality.data as Float32Array, [...quality.dims]);

      // PyTorch: parity check against these outputs (exit 3 on a mismatch), warm-up, then timing on request.
      const torch = await startTorch([
        join(PROJECT_ROOT, 'bench/lib/python-model.py'),
        weights,
        join(dir, 'frames.npy'),
        join(dir, 'ort-view.npy'),
        join(dir, 'ort-quality.npy'),
        String(n),
        String(WARMUP),
      ]);
      if (torch.info.threads !== n) throw new Error(`torch ran with ${torch.info.threads} threads, not ${n}`);

      // The platform's runtime adapter as a worker runs it: batches of 16 frames, outputs copied out.
      const runtime = await createOnnxRuntime(model, { intraOpThreads: n });
      const per = manifest.input.height * manifest.input.width;
      const platformRun = async () => {
        for (let s = 0; s < FRAMES; s += 16) {
          const m = Math.min(16, FRAMES - s);
          await runtime.run({ [manifest.input.tensor]: { data: prepared.data.subarray(s * per, (s + m) * per), dims: [m, 1, manifest.input.height, manifest.input.width] } });
        }
      };
      for (let i = 0; i < WARMUP; i++) {
        await session.run(feeds);
        await platformRun();
      }
      const ortSeconds: number[] = [];
      const platformSeconds: number[] = [];
      const eagerSeconds: number[] = [];
      const frozenSeconds: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        ortSeconds.push(await seconds(() => session.run(feeds)));
        eagerSeconds.push(await torch.time('eager'));
        platformSeconds.push(await seconds(platformRun));
        frozenSeconds.push(await torch.time('frozen'));
      }
      torch.stop();
      await runtime.close();
      await session.release();
      const torchSide = { ...torch.info, eagerSeconds, frozenSeconds };

      const o = median(ortSeconds);
      const e = median(torchSide.eagerSeconds);
      const f = median(torchSide.frozenSeconds);
      const pl = median(platformSeconds);
      rows.push({ threads: n, ortMs: o * 1000, platformMs: pl * 1000, torchEagerMs: e * 1000, torchFrozenMs: f * 1000, ratioEager: e / o, ratioFrozen: f / o, maxDiff: torchSide.maxDiff, torch: torchSide.torch });
    }

    const fps = (ms: number) => ((FRAMES / ms) * 1000).toFixed(0);
    console.log(`bench:model — view-classifier 1.0.0, one clip = ${FRAMES} frames 128×128 in one batch; ${RUNS} runs after ${WARMUP} warm-up, medians`);
    console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} logical CPUs; onnxruntime-node ${ort.env.versions.common}; torch ${rows[0]?.torch}`);
    console.log('');
    console.log('| threads N | onnxruntime ms/clip | frames/s | platform adapter (2 × 16) ms/clip | PyTorch eager ms/clip | frames/s | ratio torch/ORT | PyTorch frozen TorchScript ms/clip | ratio | parity max abs diff |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      const diff = Math.max(r.maxDiff.view_logits, r.maxDiff.quality, r.maxDiff.frozen);
      console.log(
        `| ${r.threads} | ${r.ortMs.toFixed(2)} | ${fps(r.ortMs)} | ${r.platformMs.toFixed(2)} | ${r.torchEagerMs.toFixed(2)} | ${fps(r.torchEagerMs)} | ${r.ratioEager.toFixed(2)}× | ${r.torchFrozenMs.toFixed(2)} | ${r.ratioFrozen.toFixed(2)}× | ${diff.toExponential(1)} |`,
      );
    }
    const out = join(PROJECT_ROOT, 'bench/out');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'model.json'), `${JSON.stringify({ runs: RUNS, warmup: WARMUP, frames: FRAMES, rows }, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench:model failed: ${(err as Error).message}`);
  process.exit(1);
});

/**
 * `npm run bench:onnx-thread`: what running onnxruntime in a worker thread (createOnnxThreadRuntime, what
 * workers use) costs per call against running it on the calling thread (createOnnxRuntime), for one batch
 * of 16 frames [16, 1, 128, 128] passed as a view into a larger array, as core's predictClip does. Both
 * sessions use 1 intra-op thread; runs alternate (one in-process, one threaded, ...) so both see the same
 * machine load; warm-up runs are excluded; figures are medians.
 *
 * Prints per call: wall time of each, the thread hop's overhead (median of the paired differences), and
 * how long the calling thread was busy (event-loop active time): in process that is the whole inference,
 * in a thread only the input copy and the messages, which is what frees the worker to read the next clip.
 * Env: BENCH_RUNS (default 50), BENCH_WARMUP (default 5).
 */
import { performance } from 'node:perf_hooks';
import { createOnnxRuntime, createOnnxThreadRuntime } from '../src/adapters/runtime/onnx/index.ts';
import { PROJECT_ROOT } from '../src/config/load.ts';
import { loadModel } from '../src/models/load.ts';
import type { ModelRuntime, Tensor } from '../src/ports/model-runtime.ts';
import { median } from './lib/stats.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const FRAMES = 16;
const PLANE = 128 * 128;

/** Wall time and calling-thread busy time of one run, in ms. */
async function timed(runtime: ModelRuntime, frames: Tensor): Promise<{ wall: number; busy: number }> {
  const elu = performance.eventLoopUtilization();
  const t0 = performance.now();
  await runtime.run({ frames });
  const wall = performance.now() - t0;
  return { wall, busy: performance.eventLoopUtilization(elu).active };
}

async function main(): Promise<void> {
  const model = await loadModel(`${PROJECT_ROOT}/models/view-classifier/1.0.0`);
  const local = await createOnnxRuntime(model, { intraOpThreads: 1 });
  const threaded = await createOnnxThreadRuntime(model, { intraOpThreads: 1 });
  const all = new Float32Array((FRAMES + 8) * PLANE);
  for (let i = 0; i < all.length; i++) all[i] = ((i * 7919) % 1000) / 1000;
  const frames: Tensor = { data: all.subarray(4 * PLANE, (4 + FRAMES) * PLANE), dims: [FRAMES, 1, 128, 128] };
  const rows = { local: [] as { wall: number; busy: number }[], threaded: [] as { wall: number; busy: number }[] };
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const a = await timed(local, frames);
      const b = await timed(threaded, frames);
      if (i < WARMUP) continue;
      rows.local.push(a);
      rows.threaded.push(b);
    }
  } finally {
    await local.close();
    await threaded.close();
  }
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  console.log(`onnxruntime-node, view-classifier, batch [${FRAMES}, 1, 128, 128], intra-op threads 1, ${RUNS} runs each (median)`);
  console.log(`  in process:  wall ${ms(median(rows.local.map((r) => r.wall)))}, calling thread busy ${ms(median(rows.local.map((r) => r.busy)))}`);
  console.log(`  in a thread: wall ${ms(median(rows.threaded.map((r) => r.wall)))}, calling thread busy ${ms(median(rows.threaded.map((r) => r.busy)))}`);
  console.log(`  thread hop overhead (paired differences): ${ms(median(rows.threaded.map((r, i) => r.wall - rows.local[i]!.wall)))}`);
}

await main();

/**
 * Exports the phantom training set for view-classifier: N clips per view from the TypeScript phantom,
 * each run through the platform's own preprocessing (src/models/preprocess.ts), so the network trains on
 * exactly the tensors inference will feed it. Writes NumPy files for training/train.py:
 *
 *   frames.npy   float32 [M, 1, 128, 128]  preprocessed sampled frames (0..1)
 *   views.npy    uint8   [M]               view index (spec.json output.labels order)
 *   quality.npy  float32 [M]               the phantom's quality q (the quality target)
 *   clip.npy     int32   [M]               clip number (rows of one clip are contiguous)
 *   split.npy    uint8   [M]               0 train, 1 held out (held-out clips use a different seed range)
 *   clips.json   one entry per clip: view, seed, quality, size, frames, fps, format options, rows
 *
 * Usage: node training/export-dataset.ts --out training/out/data [--train-per-view 260] [--heldout-per-view 40] [--workers 2]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { ManifestInput } from '../src/models/manifest.ts';
import { prepareFrames, sampleFrameIndices } from '../src/models/preprocess.ts';
import { PHANTOM_VIEWS, type PhantomView, phantomCine } from '../src/phantom/index.ts';
import { createRng } from '../src/phantom/prng.ts';
import { createNpy } from './npy.ts';

interface Spec {
  input: ManifestInput;
  output: { labels: string[] };
  seeds: { train: number; heldout: number };
}

interface ClipSpec {
  clip: number;
  split: 'train' | 'heldout';
  view: PhantomView;
  label: number;
  seed: number;
  quality: number;
  height: number;
  width: number;
  frames: number;
  fps: number;
  channels: 1 | 3;
  bitsPerSample: 8 | 16;
  regions: boolean;
  /** First row in the .npy files and number of rows (sampled frames). */
  row: number;
  rows: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const spec = JSON.parse(readFileSync(join(here, 'spec.json'), 'utf8')) as Spec;

function planClips(trainPerView: number, heldoutPerView: number): ClipSpec[] {
  const labels = spec.output.labels;
  for (const [i, view] of PHANTOM_VIEWS.entries()) {
    if (labels[i] !== view) throw new Error(`spec.json label ${i} is ${labels[i]} but the phantom's view ${i} is ${view}`);
  }
  // Clip parameters come from their own stream so changing counts does not reshuffle earlier clips' seeds.
  const clips: ClipSpec[] = [];
  let row = 0;
  for (const split of ['train', 'heldout'] as const) {
    const perView = split === 'train' ? trainPerView : heldoutPerView;
    const base = split === 'train' ? spec.seeds.train : spec.seeds.heldout;
    const rng = createRng(base);
    for (let i = 0; i < perView; i++) {
      for (const [label, view] of PHANTOM_VIEWS.entries()) {
        const height = rng.int(128, 300);
        // Training clips are short (more clips, fewer near-duplicate frames); held-out clips vary in length
        // like real acquisitions so clip-level aggregation is evaluated over 8..20 frames.
        const frames = split === 'train' ? 12 : rng.int(16, 40);
        const rows = sampleFrameIndices(frames, spec.input.frames.dropRate, spec.input.frames.max).length;
        clips.push({
          clip: clips.length,
          split,
          view,
          label,
          seed: base + clips.length,
          quality: rng.next(),
          height,
          width: Math.round(height * rng.range(1.0, 1.5)),
          frames,
          fps: rng.range(25, 60),
          channels: rng.chance(0.2) ? 3 : 1,
          bitsPerSample: rng.chance(0.2) ? 16 : 8,
          regions: rng.chance(0.5),
          row,
          rows,
        });
        row += rows;
      }
    }
  }
  return clips;
}

async function renderClip(c: ClipSpec): Promise<Float32Array> {
  const cine = phantomCine({ ...c, seed: c.seed });
  try {
    const prepared = await prepareFrames(cine, spec.input);
    if (prepared.indices.length !== c.rows) throw new Error(`clip ${c.clip}: ${prepared.indices.length} rows, planned ${c.rows}`);
    return prepared.data;
  } finally {
    await cine.close();
  }
}

async function worker(): Promise<void> {
  const clips = workerData as ClipSpec[];
  for (const c of clips) {
    const data = await renderClip(c);
    parentPort!.postMessage({ clip: c.clip, data }, [data.buffer as ArrayBuffer]);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'training/out/data' },
      'train-per-view': { type: 'string', default: '260' },
      'heldout-per-view': { type: 'string', default: '40' },
      workers: { type: 'string', default: '2' },
    },
  });
  const out = values.out!;
  mkdirSync(out, { recursive: true });
  const clips = planClips(Number(values['train-per-view']), Number(values['heldout-per-view']));
  const rows = clips.reduce((n, c) => n + c.rows, 0);
  const { height, width } = spec.input;
  const plane = height * width;
  const frames = createNpy(join(out, 'frames.npy'), '<f4', [rows, 1, height, width]);
  const views = new Uint8Array(rows);
  const quality = new Float32Array(rows);
  const clipIds = new Int32Array(rows);
  const split = new Uint8Array(rows);
  for (const c of clips) {
    views.fill(c.label, c.row, c.row + c.rows);
    quality.fill(c.quality, c.row, c.row + c.rows);
    clipIds.fill(c.clip, c.row, c.row + c.rows);
    split.fill(c.split === 'train' ? 0 : 1, c.row, c.row + c.rows);
  }
  const started = performance.now();
  const workers = Math.max(1, Number(values.workers));
  let done = 0;
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const share = clips.filter((c) => c.clip % workers === w);
      return new Promise<void>((resolve, reject) => {
        const t = new Worker(new URL(import.meta.url), { workerData: share });
        t.on('message', (m: { clip: number; data: Float32Array }) => {
          frames.write(clips[m.clip]!.row * plane, m.data);
          done++;
          if (done % 500 === 0) console.log(`${done}/${clips.length} clips (${((performance.now() - started) / 1000).toFixed(0)} s)`);
        });
        t.on('error', reject);
        t.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`export worker ${w} exited with ${code}`))));
      });
    }),
  );
  frames.close();
  const write1d = (name: string, dtype: '|u1' | '<f4' | '<i4', data: Uint8Array | Float32Array | Int32Array): void => {
    const f = createNpy(join(out, name), dtype, [data.length]);
    f.write(0, data);
    f.close();
  };
  write1d('views.npy', '|u1', views);
  write1d('quality.npy', '<f4', quality);
  write1d('clip.npy', '<i4', clipIds);
  write1d('split.npy', '|u1', split);
  writeFileSync(join(out, 'clips.json'), JSON.stringify({ spec, clips }, null, 1));
  const seconds = (performance.now() - started) / 1000;
  const train = clips.filter((c) => c.split === 'train').length;
  console.log(`exported ${clips.length} clips (${train} train, ${clips.length - train} held out), ${rows} frames, to ${out} in ${seconds.toFixed(1)} s`);
}

if (isMainThread) {
  main().catch((err) => {
    console.error(`error: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
} else {
  worker().catch((err) => {
    console.error(`error in export worker: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}

/**
 * End-to-end evaluation of the deployed model through the platform's own path: phantom Cine →
 * predictClip (preprocess, ONNX runtime in Node, aggregation). Uses the "evaluation" seed range of
 * spec.json, disjoint from training and held-out seeds. Prints clip accuracy and quality MAE.
 *
 * Usage: node training/evaluate.ts [--per-view 20] [--model models/view-classifier/1.0.0]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createOnnxRuntime } from '../src/adapters/runtime/onnx/index.ts';
import { loadModel } from '../src/models/load.ts';
import { predictClip } from '../src/models/predict.ts';
import { PHANTOM_VIEWS, phantomCine } from '../src/phantom/index.ts';
import { createRng } from '../src/phantom/prng.ts';

const here = dirname(fileURLToPath(import.meta.url));
const spec = JSON.parse(readFileSync(join(here, 'spec.json'), 'utf8')) as { seeds: { evaluation: number } };
const { values } = parseArgs({
  options: {
    'per-view': { type: 'string', default: '20' },
    model: { type: 'string', default: join(here, '..', 'models', 'view-classifier', '1.0.0') },
  },
});
const perView = Number(values['per-view']);
const model = await loadModel(values.model!);
const runtime = await createOnnxRuntime(model);
const rng = createRng(spec.seeds.evaluation);
let correct = 0;
let total = 0;
let qualityError = 0;
let inferenceMs = 0;
const perLabel = new Map<string, { ok: number; n: number }>();
const started = performance.now();
for (let i = 0; i < perView; i++) {
  for (const view of PHANTOM_VIEWS) {
    const height = rng.int(128, 300);
    const quality = rng.next();
    const cine = phantomCine({
      view,
      quality,
      seed: spec.seeds.evaluation + total,
      frames: rng.int(16, 48),
      height,
      width: Math.round(height * rng.range(1, 1.5)),
      fps: rng.range(25, 60),
      regions: rng.chance(0.5),
    });
    const p = await predictClip(cine, model, runtime);
    await cine.close();
    total++;
    const hit = p.view === view;
    if (hit) correct++;
    const entry = perLabel.get(view) ?? { ok: 0, n: 0 };
    entry.n++;
    if (hit) entry.ok++;
    perLabel.set(view, entry);
    qualityError += Math.abs(p.quality_mean - quality);
    inferenceMs += p.timings.inference_ms;
  }
}
await runtime.close();
console.log(`${model.manifest.name}@${model.manifest.version} (sha256 ${model.weightsSha256.slice(0, 12)}...), ${total} phantom clips through predictClip + onnxruntime-node:`);
console.log(`clip accuracy ${((100 * correct) / total).toFixed(1)}%, quality MAE ${(qualityError / total).toFixed(3)}, mean inference ${(inferenceMs / total).toFixed(1)} ms/clip, total ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log([...perLabel].map(([k, v]) => `${k} ${v.ok}/${v.n}`).join(', '));

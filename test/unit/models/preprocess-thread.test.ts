import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EchoError, isEchoError } from '../../../src/errors/catalogue.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { type ManifestInput, tensorManifest } from '../../../src/models/manifest.ts';
import { resolveModel } from '../../../src/models/registry.ts';
import { localFrameBatch, prepareFrames } from '../../../src/models/preprocess.ts';
import { createPreprocessThread } from '../../../src/models/preprocess-thread.ts';
import { phantomCine } from '../../../src/phantom/index.ts';
import type { Cine } from '../../../src/ports/cine-reader.ts';

// The deployed default model's own input: 128 × 128, half the frames, cropped to the sector, scaled to 0..1.
const INPUT: ManifestInput = tensorManifest((await resolveModel(loadConfig({}).modelsDir, loadConfig({}).model)).manifest).input;

const cine = (over: Partial<Parameters<typeof phantomCine>[0]> = {}) =>
  phantomCine({ view: 'AP4', quality: 0.8, seed: 7, frames: 12, height: 120, width: 160, regions: true, ...over });

function sameTensor(a: { data: Float32Array; fullScale: number; indices: number[] }, b: typeof a): void {
  assert.deepEqual(a.indices, b.indices);
  assert.equal(a.fullScale, b.fullScale);
  assert.equal(a.data.length, b.data.length);
  // Bit for bit: the thread runs the same code on the same samples.
  assert.ok(
    a.data.every((v, i) => Object.is(v, b.data[i])),
    'the thread and the calling thread give different tensors',
  );
}

test('frames resized on the preprocessing thread give the same tensor, bit for bit, as on the calling thread', async (t) => {
  const pre = createPreprocessThread();
  t.after(() => pre.close());
  for (const shape of [{}, { channels: 3 as const }, { bitsPerSample: 16 as const, channels: 3 as const }]) {
    const local = await prepareFrames(cine(shape), INPUT, localFrameBatch);
    const threaded = await prepareFrames(cine(shape), INPUT, pre.batch);
    assert.ok(local.data.some((v) => v > 0), 'the phantom has content');
    sameTensor(threaded, local);
  }
});

test('two clips in flight at once each get their own tensor', async (t) => {
  const pre = createPreprocessThread();
  t.after(() => pre.close());
  const a = cine({ seed: 1, view: 'PLAX' });
  const b = cine({ seed: 2, view: 'AP2', frames: 20 });
  const [ta, tb] = await Promise.all([prepareFrames(a, INPUT, pre.batch), prepareFrames(b, INPUT, pre.batch)]);
  sameTensor(ta, await prepareFrames(cine({ seed: 1, view: 'PLAX' }), INPUT, localFrameBatch));
  sameTensor(tb, await prepareFrames(cine({ seed: 2, view: 'AP2', frames: 20 }), INPUT, localFrameBatch));
});

test('the caller keeps its frames: what the thread resizes is a copy', async (t) => {
  const pre = createPreprocessThread();
  t.after(() => pre.close());
  const source = cine();
  const kept: (Uint8Array | Uint16Array)[] = [];
  const watching: Cine = { ...source, frame: async (i) => {
    const f = await source.frame(i);
    kept.push(f);
    return f;
  } };
  await prepareFrames(watching, INPUT, pre.batch);
  assert.ok(kept.length > 0);
  for (const f of kept) assert.equal(f.byteLength, 120 * 160, 'a frame handed to the thread was taken from its owner');
});

test('a frame that cannot be read fails the clip with its own error; the thread goes on with the next clip', async (t) => {
  const pre = createPreprocessThread();
  t.after(() => pre.close());
  const source = cine();
  const broken: Cine = {
    ...source,
    frame: async (i) => {
      if (i === 4) throw new EchoError('CINE_CORRUPT', 'frame 4 is damaged');
      return source.frame(i);
    },
  };
  await assert.rejects(prepareFrames(broken, INPUT, pre.batch), (err) => isEchoError(err, 'CINE_CORRUPT') && /frame 4 is damaged/.test(err.message));
  sameTensor(await prepareFrames(cine(), INPUT, pre.batch), await prepareFrames(cine(), INPUT, localFrameBatch));
});

test('closing the thread under a clip fails it with ECHO_ERR_INTERNAL; the next clip starts a new thread', async (t) => {
  const pre = createPreprocessThread();
  t.after(() => pre.close());
  const source = cine({ frames: 24 });
  const slow: Cine = {
    ...source,
    frame: async (i) => {
      if (i === 6) await pre.close();
      return source.frame(i);
    },
  };
  await assert.rejects(prepareFrames(slow, INPUT, pre.batch), (err) => isEchoError(err, 'INTERNAL') && /preprocessing thread is closed/.test(err.message));
  sameTensor(await prepareFrames(cine(), INPUT, pre.batch), await prepareFrames(cine(), INPUT, localFrameBatch));
});

test('an idle preprocessing thread does not keep its process alive', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'echo-preprocess-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const thread = new URL('../../../src/models/preprocess-thread.ts', import.meta.url).href;
  const preprocess = new URL('../../../src/models/preprocess.ts', import.meta.url).href;
  const phantom = new URL('../../../src/phantom/index.ts', import.meta.url).href;
  const script = `
    import { createPreprocessThread } from ${JSON.stringify(thread)};
    import { prepareFrames } from ${JSON.stringify(preprocess)};
    import { phantomCine } from ${JSON.stringify(phantom)};
    const pre = createPreprocessThread();
    const out = await prepareFrames(phantomCine({ view: 'AP4', quality: 0.8, seed: 1, frames: 4, height: 32, width: 32 }), ${JSON.stringify(INPUT)}, pre.batch);
    if (out.data.length !== 2 * ${INPUT.height * INPUT.width}) throw new Error('bad tensor');
    console.log('done');`;
  const file = join(dir, 'child.mjs');
  await writeFile(file, script);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the process was still running after 20 s (printed: ${out.trim() || 'nothing'})`));
    }, 20_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0);
  assert.equal(out.trim(), 'done');
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { EchoError, isEchoError } from '../../../src/errors/catalogue.ts';
import { loadModel } from '../../../src/models/load.ts';
import { validateManifest } from '../../../src/models/manifest.ts';
import { withTempDir } from '../../helpers/temp.ts';

const deployedDir = new URL('../../../models/view-classifier/1.0.0/', import.meta.url).pathname;
const deployed = JSON.parse(readFileSync(join(deployedDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;

/** A manifest as plain JSON, loose enough to break on purpose. */
interface Loose {
  [key: string]: unknown;
  input: Record<string, unknown> & { frames: Record<string, unknown> };
  output: Record<string, unknown>;
}

function clone(): Loose {
  return structuredClone(deployed) as Loose;
}

function invalid(mutate: (m: Loose) => void, field: string, pattern: RegExp): void {
  const m = clone();
  mutate(m);
  assert.throws(
    () => validateManifest(m, 'test/manifest.json'),
    (err: unknown) => {
      assert.ok(isEchoError(err, 'MODEL_INVALID'), `expected MODEL_INVALID, got ${String(err)}`);
      assert.match(err.message, /^test\/manifest\.json: field "/);
      assert.ok(err.message.includes(`"${field}"`), `message should name ${field}: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

test('the deployed view-classifier manifest is valid and describes the fixed interface', () => {
  const m = validateManifest(deployed, 'manifest.json');
  assert.equal(m.name, 'view-classifier');
  assert.equal(m.version, '1.0.0');
  assert.equal(m.runtime, 'onnx');
  assert.equal(m.input.tensor, 'frames');
  assert.deepEqual([m.input.height, m.input.width, m.input.channels], [128, 128, 1]);
  assert.deepEqual(m.input.frames, { dropRate: 0.5, max: 32 });
  assert.deepEqual(m.output.labels, ['AP2', 'AP3', 'AP4', 'AP5', 'PLAX', 'RVIF', 'SUBC4', 'SUBIVC', 'PSAXAo', 'PSAXM', 'PSAXPM', 'PSAXAp', 'SUPRA']);
  assert.equal(m.output.viewTensor, 'view_logits');
  assert.equal(m.output.qualityTensor, 'quality');
});

test('manifest errors are MODEL_INVALID and name the field, the value and what is accepted', () => {
  invalid((m) => delete m.weightsSha256, 'weightsSha256', /is missing/);
  invalid((m) => (m.weightsSha256 = 'ABC'), 'weightsSha256', /64 lower-case hex digits, got "ABC"/);
  invalid((m) => (m.schemaVersion = 2), 'schemaVersion', /one of 1, got number 2/);
  invalid((m) => (m.runtime = 'tensorrt'), 'runtime', /one of "onnx"/);
  invalid((m) => (m.weights = '../secrets.onnx'), 'weights', /plain file name/);
  invalid((m) => (m.name = 'View Classifier'), 'name', /lower-case/);
  invalid((m) => (m.version = 'latest'), 'version', /MAJOR\.MINOR\.PATCH/);
  invalid((m) => (m.extra = 1), 'extra', /not a known field/);
  invalid((m) => (m.input.height = 127.5), 'input.height', /integer/);
  invalid((m) => (m.input.channels = 3), 'input.channels', /one of 1/);
  invalid((m) => (m.input.frames.dropRate = 1), 'input.frames.dropRate', /\[0, 1\), got 1/);
  invalid((m) => (m.input.frames.max = 0), 'input.frames.max', /\[1, 4096\]/);
  invalid((m) => (m.input.scale = [1, 0]), 'input.scale', /hi > lo/);
  invalid((m) => (m.input.resize = 'bicubic'), 'input.resize', /one of "area"/);
  invalid((m) => (m.input.cropToSector = 'yes'), 'input.cropToSector', /true or false/);
  invalid((m) => (m.output.labels = ['AP2', 'AP2']), 'output.labels[1]', /repeats the label "AP2"/);
  invalid((m) => (m.output.labels = 'AP2'), 'output.labels', /array of at least 2 labels/);
  invalid((m) => (m.output.qualityTensor = m.output.viewTensor), 'output.qualityTensor', /must differ/);
  invalid((m) => (m.output.per = 'clip'), 'output.per', /one of "frame"/);
  invalid((m) => (m.aggregation = { method: 'median' }), 'aggregation.method', /one of "mean"/);
  invalid((m) => ((m as Record<string, unknown>).input = null), 'input', /must be an object, got null/);
  assert.throws(() => validateManifest([], 'x.json'), (e: unknown) => isEchoError(e, 'MODEL_INVALID'));
});

async function writeModel(dir: string, weights: Uint8Array, mutate?: (m: Loose) => void): Promise<void> {
  await mkdir(dir, { recursive: true });
  const m = clone();
  m.weightsSha256 = createHash('sha256').update(weights).digest('hex');
  mutate?.(m);
  await writeFile(join(dir, 'model.onnx'), weights);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
}

test('loadModel verifies the weights against the manifest sha256', async () => {
  await withTempDir(async (root) => {
    const dir = join(root, 'view-classifier', '1.0.0');
    const bytes = new Uint8Array([1, 2, 3, 4]);
    await writeModel(dir, bytes);
    const model = await loadModel(dir);
    assert.equal(model.dir, dir);
    assert.equal(model.weightsPath, join(dir, 'model.onnx'));
    assert.equal(model.weightsSha256, createHash('sha256').update(bytes).digest('hex'));

    await writeFile(join(dir, 'model.onnx'), new Uint8Array([1, 2, 3, 5]));
    await assert.rejects(loadModel(dir), (err: unknown) => {
      assert.ok(isEchoError(err, 'MODEL_INVALID'));
      assert.match(err.message, /have sha256 [0-9a-f]{64} but manifest field "weightsSha256" says/);
      return true;
    });
  });
});

test('loadModel: missing folder → MODEL_NOT_FOUND; bad JSON, bad manifest or missing weights → MODEL_INVALID', async () => {
  await withTempDir(async (root) => {
    await assert.rejects(loadModel(join(root, 'nope')), (e: unknown) => isEchoError(e, 'MODEL_NOT_FOUND') && /manifest\.json does not exist/.test(e.message));

    const bad = join(root, 'bad');
    await mkdir(bad);
    await writeFile(join(bad, 'manifest.json'), '{ not json');
    await assert.rejects(loadModel(bad), (e: unknown) => isEchoError(e, 'MODEL_INVALID') && /is not valid JSON/.test(e.message));

    const wrong = join(root, 'wrong');
    await writeModel(wrong, new Uint8Array([9]), (m) => (m.input.tensor = 3));
    await assert.rejects(loadModel(wrong), (e: unknown) => isEchoError(e, 'MODEL_INVALID') && /field "input\.tensor"/.test(e.message));

    const gone = join(root, 'gone');
    await writeModel(gone, new Uint8Array([9]), (m) => (m.weights = 'other.onnx'));
    await assert.rejects(loadModel(gone), (e: unknown) => {
      assert.ok(e instanceof EchoError && e.code === 'MODEL_INVALID');
      assert.match(e.message, /other\.onnx \(manifest field "weights"\) is missing/);
      return true;
    });
  });
});

test('the deployed model folder loads and its weights match the manifest', async () => {
  const model = await loadModel(deployedDir);
  assert.equal(model.weightsSha256, deployed.weightsSha256);
});

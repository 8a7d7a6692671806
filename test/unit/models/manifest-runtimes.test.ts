/**
 * Manifest validation for the kserve-v2 and command runtimes: the documented examples are valid, defaults
 * are applied, and every new field's errors name the field, the value and what is accepted.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { npyHeader } from '../../../src/adapters/runtime/command/npy.ts';
import { isEchoError } from '../../../src/errors/catalogue.ts';
import { loadModel } from '../../../src/models/load.ts';
import { tensorManifest, validateManifest } from '../../../src/models/manifest.ts';
import { withTempDir } from '../../helpers/temp.ts';

const root = new URL('../../../', import.meta.url).pathname;
const onnx = JSON.parse(readFileSync(join(root, 'models/view-classifier/1.0.0/manifest.json'), 'utf8')) as Record<string, unknown>;
const example = JSON.parse(readFileSync(join(root, 'examples/command-model/manifest.json'), 'utf8')) as Record<string, unknown>;

// biome-ignore lint/suspicious/noExplicitAny: manifests are broken on purpose here, any field at any depth.
type Loose = Record<string, any>;

function kserve(): Loose {
  const { weights: _w, weightsSha256: _s, ...rest } = structuredClone(onnx);
  return { ...rest, runtime: 'kserve-v2', endpoint: { url: 'http://triton.internal:8000/', model: 'view_classifier' } };
}

function command(): Loose {
  return structuredClone(example) as Loose;
}

function invalid(base: () => Loose, mutate: (m: Loose) => void, field: string, pattern: RegExp): void {
  const m = base();
  mutate(m);
  assert.throws(
    () => validateManifest(m, 'test/manifest.json'),
    (err: unknown) => {
      assert.ok(isEchoError(err, 'MODEL_INVALID'), `expected MODEL_INVALID, got ${String(err)}`);
      assert.ok(err.message.startsWith(`test/manifest.json: field "${field}" `), `message should name ${field}: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

test('a kserve-v2 manifest: endpoint validated, URL normalised, defaults applied', () => {
  const m = validateManifest(kserve(), 'k.json');
  assert.equal(m.runtime, 'kserve-v2');
  if (m.runtime !== 'kserve-v2') return;
  assert.deepEqual(m.endpoint, { url: 'http://triton.internal:8000', model: 'view_classifier', timeoutMs: 30000, headers: {} });
  assert.equal(tensorManifest(m).input.tensor, 'frames');
  const full = kserve();
  full.endpoint = { url: 'https://gw.example/serving/', model: 'vc', version: '3', timeoutMs: 5000, headers: { Authorization: 'Bearer abc' } };
  const f = validateManifest(full, 'k.json');
  assert.ok(f.runtime === 'kserve-v2' && f.endpoint.url === 'https://gw.example/serving' && f.endpoint.version === '3' && f.endpoint.headers.Authorization === 'Bearer abc');

  invalid(kserve, (m) => delete m.endpoint, 'endpoint', /is missing/);
  invalid(kserve, (m) => (m.weights = 'model.onnx'), 'weights', /not a known field; accepted: .*endpoint/);
  invalid(kserve, (m) => (m.endpoint.url = 'grpc://h:8001'), 'endpoint.url', /http or https/);
  invalid(kserve, (m) => (m.endpoint.url = 'localhost:8000'), 'endpoint.url', /http or https/);
  invalid(kserve, (m) => (m.endpoint.url = 'not a url'), 'endpoint.url', /absolute http or https URL/);
  invalid(kserve, (m) => (m.endpoint.url = 'http://u:p@h:8000'), 'endpoint.url', /credentials/);
  invalid(kserve, (m) => (m.endpoint.url = 'http://h:8000/?x=1'), 'endpoint.url', /without query/);
  invalid(kserve, (m) => (m.endpoint.model = '../x'), 'endpoint.model', /model name on the server/);
  invalid(kserve, (m) => (m.endpoint.version = 2), 'endpoint.version', /must be a string, got number 2/);
  invalid(kserve, (m) => (m.endpoint.timeoutMs = 10), 'endpoint.timeoutMs', /\[100, 600000\], got 10/);
  invalid(kserve, (m) => (m.endpoint.headers = { 'Content-Type': 'x' }), 'endpoint.headers.Content-Type', /set by the runtime/);
  invalid(kserve, (m) => (m.endpoint.headers = { 'X-Key': 'a\nb' }), 'endpoint.headers.X-Key', /one line/);
  invalid(kserve, (m) => (m.endpoint.retries = 3), 'endpoint.retries', /not a known field/);
  invalid(kserve, (m) => (m.input.mode = 'original'), 'input.mode', /one of "tensor"/);
});

test('the example command manifest is valid; command defaults and both input modes', () => {
  const m = validateManifest(example, 'example.json');
  assert.equal(m.runtime, 'command');
  if (m.runtime !== 'command') return;
  assert.deepEqual(m.command.argv, ['/usr/bin/python3', 'model.py']);
  assert.equal(m.command.memoryMb, 2048);
  assert.equal(m.command.killGraceMs, 2000);
  assert.equal(m.input.mode, 'tensor');
  assert.deepEqual(m.output, { labels: (example.output as Loose).labels });
  assert.throws(() => tensorManifest(m), (e: unknown) => isEchoError(e, 'MODEL_INVALID') && /runtime "command" is not a tensor/.test(e.message));

  const minimal = command();
  delete minimal.weights;
  delete minimal.weightsSha256;
  minimal.command = { argv: ['run-model'] };
  minimal.input = { mode: 'original' };
  const o = validateManifest(minimal, 'm.json');
  assert.ok(o.runtime === 'command');
  assert.deepEqual(o.input, { mode: 'original' });
  assert.deepEqual(o.command, { argv: ['run-model'], timeoutMs: 60000, killGraceMs: 2000, env: {}, passEnv: [], outputTailBytes: 8192 });
  assert.equal(o.weights, undefined);
});

test('command manifest errors name the field', () => {
  invalid(command, (m) => delete m.command, 'command', /is missing/);
  invalid(command, (m) => (m.command.argv = []), 'command.argv', /1 to 256 strings/);
  invalid(command, (m) => (m.command.argv = 'python3 model.py'), 'command.argv', /array of 1 to 256 strings/);
  invalid(command, (m) => (m.command.argv = ['python3', '']), 'command.argv[1]', /non-empty string/);
  invalid(command, (m) => (m.command.timeoutMs = 50), 'command.timeoutMs', /\[100, 86400000\]/);
  invalid(command, (m) => (m.command.memoryMb = 1.5), 'command.memoryMb', /integer/);
  invalid(command, (m) => (m.command.cpuSeconds = 0), 'command.cpuSeconds', /\[1, 604800\]/);
  invalid(command, (m) => (m.command.env = { ECHO_CLOUD_CLIP_DIR: '/x' }), 'command.env.ECHO_CLOUD_CLIP_DIR', /reserved/);
  invalid(command, (m) => (m.command.env = { 'BAD-NAME': 'x' }), 'command.env.BAD-NAME', /environment variable name/);
  invalid(command, (m) => (m.command.env = { A: 1 }), 'command.env.A', /must be a string, got number 1/);
  invalid(command, (m) => (m.command.passEnv = 'CUDA_VISIBLE_DEVICES'), 'command.passEnv', /array of environment variable names/);
  invalid(command, (m) => (m.command.shell = true), 'command.shell', /not a known field/);
  invalid(command, (m) => delete m.weightsSha256, 'weightsSha256', /go together/);
  invalid(command, (m) => delete m.weights, 'weights', /go together/);
  invalid(command, (m) => (m.input = { mode: 'original', height: 64 }), 'input.height', /not a known field; accepted: mode/);
  invalid(command, (m) => (m.input.mode = 'video'), 'input.mode', /one of "tensor", "original"/);
  invalid(command, (m) => delete m.input.height, 'input.height', /is missing/);
  invalid(command, (m) => (m.output.viewTensor = 'x'), 'output.viewTensor', /not a known field; accepted: labels/);
  invalid(command, (m) => (m.output.labels = ['AP2']), 'output.labels', /at least 2 labels/);
  invalid(command, (m) => delete m.runtime, 'runtime', /is missing; accepted: onnx, kserve-v2, command/);
  invalid(command, (m) => (m.runtime = 'docker'), 'runtime', /one of "onnx", "kserve-v2", "command"/);
});

test('loadModel: a command model with weights verifies them; without, its identity is the manifest hash', async () => {
  await withTempDir(async (dir) => {
    const withWeights = command();
    withWeights.weights = 'model.py';
    await writeFile(join(dir, 'model.py'), 'changed');
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(withWeights));
    await assert.rejects(loadModel(dir), (e: unknown) => isEchoError(e, 'MODEL_INVALID') && /manifest field "weightsSha256" says/.test(e.message));

    const { weights: _w, weightsSha256: _s, ...without } = withWeights;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(without));
    const a = await loadModel(dir);
    assert.equal(a.identity, 'manifest');
    assert.equal(a.weightsPath, null);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...without, command: { argv: ['other'] } }));
    const b = await loadModel(dir);
    assert.notEqual(a.weightsSha256, b.weightsSha256, 'a changed command is a new identity');
  });
});

test('npy headers: 64-byte aligned, newline-terminated, Python tuple syntax', () => {
  for (const shape of [[5], [3, 1, 128, 128], [1000000, 1, 2048, 2048]]) {
    const h = npyHeader(shape);
    assert.equal(h.length % 64, 0);
    assert.equal(h.subarray(0, 8).toString('latin1'), '\x93NUMPY\x01\x00');
    assert.equal(h.readUInt16LE(8), h.length - 10);
    assert.equal(h.at(-1), 0x0a);
    const dict = h.subarray(10).toString('latin1').trim();
    assert.equal(dict, `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.length === 1 ? `${shape[0]},` : shape.join(', ')}), }`);
  }
});

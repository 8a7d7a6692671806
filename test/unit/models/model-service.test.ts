import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../../src/config/load.ts';
import { readDeployment } from '../../../src/models/deployment.ts';
import { createModelDirectory } from '../../../src/models/model-directory.ts';
import { activateModel, addModel, addRoute, deactivateModel, removeModel, removeRoute } from '../../../src/models/model-service.ts';
import { withTempDir } from '../../helpers/temp.ts';

const DEFAULT = join(PROJECT_ROOT, 'models/view-classifier/1.0.0');
const ENV_DEFAULT = { name: 'view-classifier', version: null };
const code = (c: string) => (e: Error & { code?: string }) => e.code === c;

/** A copy of the default model with another version: the same weights, a real model. */
function bumped(dir: string, version: string): string {
  const src = join(dir, `src-${version}`);
  cpSync(DEFAULT, src, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));
  writeFileSync(join(src, 'manifest.json'), JSON.stringify({ ...manifest, version }, null, 2));
  return src;
}

test('add copies a verified model in as name/version, refuses duplicates and bad weights with coded errors', async () => {
  await withTempDir(async (dir) => {
    const models = join(dir, 'models');
    const added = await addModel(models, join(bumped(dir, '1.0.1'), 'manifest.json'));
    assert.equal(added.dir, join(models, 'view-classifier/1.0.1'));
    assert.equal(added.manifest.version, '1.0.1');
    assert.ok(existsSync(join(models, 'view-classifier/1.0.1/model.onnx')));
    await assert.rejects(addModel(models, join(dir, 'src-1.0.1')), code('MODEL_EXISTS'));
    const broken = bumped(dir, '1.0.2');
    writeFileSync(join(broken, 'model.onnx'), 'not the weights');
    await assert.rejects(addModel(models, broken), (e: Error & { code?: string }) => e.code === 'MODEL_INVALID' && /have sha256/.test(e.message));
    await assert.rejects(addModel(models, join(dir, 'nope')), code('FILE_NOT_FOUND'));
    assert.ok(!existsSync(join(models, 'view-classifier/1.0.2')), 'nothing of a refused model is left');
    assert.deepEqual(readdirSync(join(models, '.work')), [], 'no work folder left behind');
  });
});

test('activate records the active model (read without restart); remove refuses the active and routed models', async () => {
  await withTempDir(async (dir) => {
    const models = join(dir, 'models');
    await addModel(models, DEFAULT);
    await addModel(models, bumped(dir, '1.0.1'));
    const directory = createModelDirectory(models, { name: 'view-classifier', version: '1.0.0' });
    assert.deepEqual(await directory.active(), { ref: 'view-classifier@1.0.0', source: 'ECHO_CLOUD_MODEL' });
    await assert.rejects(activateModel(models, ENV_DEFAULT, 'view-classifier@9.9.9'), code('MODEL_NOT_FOUND'));
    await assert.rejects(activateModel(models, ENV_DEFAULT, 'view-classifier'), code('BAD_REQUEST'));
    assert.deepEqual(await activateModel(models, ENV_DEFAULT, 'view-classifier@1.0.1'), { previous: 'view-classifier@1.0.1', active: 'view-classifier@1.0.1' });
    assert.deepEqual(await directory.active(), { ref: 'view-classifier@1.0.1', source: 'deployment' }, 'the same directory object sees the change');
    await assert.rejects(removeModel(models, ENV_DEFAULT, 'view-classifier@1.0.1'), code('MODEL_IN_USE'));
    await activateModel(models, ENV_DEFAULT, 'view-classifier@1.0.0');
    await addRoute(models, { id: 'shadow', model: 'view-classifier@1.0.1', shadow: true, match: { format: ['mat'] } });
    await assert.rejects(addRoute(models, { id: 'shadow', model: 'view-classifier@1.0.1', match: {} }), /exists already/);
    await assert.rejects(addRoute(models, { id: 'gone', model: 'view-classifier@3.0.0', match: {} }), code('MODEL_NOT_FOUND'));
    const plan = await directory.route({ name: 'a.mat', format: 'mat-v5', key: 'a.mat', study: null, tags: [] });
    assert.deepEqual([plan.primary.manifest.version, plan.shadows.map((m) => m.manifest.version)], ['1.0.0', ['1.0.1']]);
    await assert.rejects(removeModel(models, ENV_DEFAULT, 'view-classifier@1.0.1'), (e: Error & { code?: string }) => e.code === 'MODEL_IN_USE' && /rule\(s\) shadow/.test(e.message));
    await removeRoute(models, 'shadow');
    await assert.rejects(removeRoute(models, 'shadow'), code('NOT_FOUND'));
    assert.deepEqual(await removeModel(models, ENV_DEFAULT, 'view-classifier@1.0.1'), { removed: 'view-classifier@1.0.1', dir: join(models, 'view-classifier/1.0.1') });
    await assert.rejects(removeModel(models, ENV_DEFAULT, 'view-classifier@1.0.1'), code('MODEL_NOT_FOUND'));
    assert.deepEqual(await deactivateModel(models), { previous: 'view-classifier@1.0.0' });
    assert.equal((await readDeployment(models)).active, null);
  });
});

test('the CLI delegates: add, duplicate add exits 1 with ECHO_ERR_MODEL_EXISTS, route add, list --json', async () => {
  await withTempDir(async (dir) => {
    const models = join(dir, 'models');
    const env = { ...process.env, ECHO_CLOUD_MODELS_DIR: models };
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'src/cli/main.ts'), 'models', ...args], { env }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    assert.equal((await cli('add', DEFAULT)).code, 0);
    const dup = await cli('add', DEFAULT);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /^error ECHO_ERR_MODEL_EXISTS: model view-classifier@1\.0\.0 is already deployed/);
    const route = await cli('route', 'add', 'dicom', 'view-classifier@1.0.0', '--format', 'dicom,video', '--tag', 'trial', '--json');
    assert.equal(route.code, 0, route.stderr);
    assert.deepEqual(JSON.parse(route.stdout).rule, { id: 'dicom', model: 'view-classifier@1.0.0', shadow: false, match: { format: ['dicom', 'video'], tag: ['trial'] } });
    const bad = await cli('route', 'add', 'x', 'view-classifier@1.0.0', '--format', 'gif');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ECHO_ERR_MODEL_INVALID: routing rule: field "rule\.match\.format\[0\]" must be one of/);
    const list = JSON.parse((await cli('list', '--json')).stdout);
    assert.equal(list.active, 'view-classifier@1.0.0');
    assert.equal(list.activeSource, 'ECHO_CLOUD_MODEL');
    assert.equal(list.rules.length, 1);
    assert.equal((await cli('activate', 'view-classifier@1.0.0')).code, 0);
    assert.equal(JSON.parse((await cli('list', '--json')).stdout).activeSource, 'deployment');
    const rm = await cli('remove', 'view-classifier@1.0.0');
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /ECHO_ERR_MODEL_IN_USE/);
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../../src/config/load.ts';
import { compareVersions, listDeployedModels, resolveModel } from '../../../src/models/registry.ts';
import { withTempDir } from '../../helpers/temp.ts';

test('versions order numerically', () => {
  assert.deepEqual(['1.10.0', '1.2.0', '1.9.1', '0.9'].sort(compareVersions), ['0.9', '1.2.0', '1.9.1', '1.10.0']);
});

test('listing verifies every deployed model, shows broken ones with their error, and the CLI marks the active one', async () => {
  await withTempDir(async (dir) => {
    cpSync(join(PROJECT_ROOT, 'models/view-classifier/1.0.0'), join(dir, 'view-classifier/1.0.0'), { recursive: true });
    mkdirSync(join(dir, 'broken/0.1.0'), { recursive: true });
    writeFileSync(join(dir, 'broken/0.1.0/manifest.json'), '{"schemaVersion": 1, "name": "broken"}');
    const entries = await listDeployedModels(dir);
    assert.deepEqual(entries.map((e) => `${e.name}@${e.version}`), ['broken@0.1.0', 'view-classifier@1.0.0']);
    assert.equal(entries[0]!.error?.code, 'ECHO_ERR_MODEL_INVALID');
    assert.match(entries[1]!.model?.weightsSha256 ?? '', /^[0-9a-f]{64}$/);
    await assert.rejects(resolveModel(dir, { name: 'view-classifier', version: '2.0.0' }), (e: Error & { code?: string }) => e.code === 'MODEL_NOT_FOUND' && /versions present: 1\.0\.0/.test(e.message));

    const out = execFileSync(process.execPath, [join(PROJECT_ROOT, 'src/cli/main.ts'), 'models', 'list', '--json'], {
      env: { ...process.env, ECHO_CLOUD_MODELS_DIR: dir },
      encoding: 'utf8',
    });
    const listed = JSON.parse(out) as { models: { name: string; active: boolean; error: unknown }[] };
    assert.deepEqual(listed.models.map((m) => [m.name, m.active, m.error !== null]), [
      ['broken', false, true],
      ['view-classifier', true, false],
    ]);
  });
});

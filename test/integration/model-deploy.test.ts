/**
 * Deploying a second version of a real model on a running server: add, backfill, activate, roll back,
 * route. Model B is a copy of the bundled default with a bumped version (same weights, so the same
 * predictions, but results attributed to B), deployed with the CLI into the server's models directory.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/config/load.ts';
import { writeDemoFiles } from '../../src/demo/write-demo-files.ts';
import { CLI, PHANTOM_MATS, startServer, type TestServer, uploadBytes, waitForClip } from '../helpers/server.ts';

const A = 'view-classifier@1.0.0';
const B = 'view-classifier@1.0.1';

interface Doc {
  input: { key: string; sha256: string };
  model: { name: string; version: string; sha256: string };
  prediction: { view: string; confidence: number };
}

describe('models add / backfill / activate / rollback / route on a running server', () => {
  let dir: string;
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  const clips: string[] = [];
  const docsA = new Map<string, Doc>();

  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, [CLI, 'models', ...args], { env }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  const result = async (id: string, model?: string) => {
    const res = await server.fetch(`/v1/clips/${id}/result${model ? `?model=${model}` : ''}`);
    return { status: res.status, body: (await res.json()) as Doc & { error?: { code: string; message: string } } };
  };
  const waitForModelResult = async (id: string, model: string, timeoutMs = 60_000): Promise<Doc> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await result(id, model);
      if (r.status === 200) return r.body;
      assert.ok([404, 409].includes(r.status), `unexpected ${r.status}: ${JSON.stringify(r.body)}`);
      if (Date.now() > deadline) throw new Error(`no ${model} result for ${id} after ${timeoutMs} ms: ${JSON.stringify(r.body)}\n${server.output()}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  const upload = async (name: string, bytes: Uint8Array, extra: Record<string, string> = {}) => {
    const res = await uploadBytes(server, name, bytes, extra);
    assert.equal(res.status, 202, await res.clone().text());
    const id = ((await res.json()) as { id: string }).id;
    const clip = await waitForClip(server, id);
    assert.equal(clip.status, 'done', JSON.stringify(clip));
    return id;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'echo-deploy-'));
    const models = join(dir, 'models');
    cpSync(join(PROJECT_ROOT, 'models/view-classifier/1.0.0'), join(models, 'view-classifier/1.0.0'), { recursive: true });
    const src = join(dir, 'b-src');
    cpSync(join(PROJECT_ROOT, 'models/view-classifier/1.0.0'), src, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8'));
    writeFileSync(join(src, 'manifest.json'), JSON.stringify({ ...manifest, version: '1.0.1', description: 'B: the default weights under a new version' }, null, 2));
    env = { ...process.env, ECHO_CLOUD_MODELS_DIR: models, ECHO_CLOUD_MODEL: 'view-classifier@1.0.0', ECHO_CLOUD_DATA_DIR: join(dir, 'data'), ECHO_CLOUD_LOG_LEVEL: 'warn' };
    server = await startServer({ dataDir: join(dir, 'data'), env: { ECHO_CLOUD_MODELS_DIR: models, ECHO_CLOUD_MODEL: 'view-classifier@1.0.0', ECHO_CLOUD_WORKERS: '1' } });
  });
  after(async () => {
    await server?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('uploads run model A', async () => {
    for (const f of ['ap4_patient.mat', 'plax_resized.mat', 'psaxm_patient.mat']) {
      const id = await upload(f, readFileSync(join(PHANTOM_MATS, f)));
      const r = await result(id);
      assert.equal(`${r.body.model.name}@${r.body.model.version}`, A);
      clips.push(id);
      docsA.set(id, r.body);
    }
    const missing = await result(clips[0]!, B);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error?.code, 'ECHO_ERR_NOT_FOUND');
    assert.match(missing.body.error?.message ?? '', /has no result from model view-classifier@1\.0\.1; run it with echo-cloud models backfill/);
  });

  test('models add deploys B; a second add is refused with ECHO_ERR_MODEL_EXISTS', async () => {
    const added = await cli('add', join(dir, 'b-src', 'manifest.json'), '--json');
    assert.equal(added.code, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).added, B);
    const again = await cli('add', join(dir, 'b-src'));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error ECHO_ERR_MODEL_EXISTS: /);
  });

  test('backfill B: a dry run counts, one command queues every clip, each gets a B result while A stays the clip result; a rerun is a no-op', async () => {
    const dry = JSON.parse((await cli('backfill', B, '--dry-run', '--json')).stdout);
    assert.deepEqual([dry.lacking, dry.queued, dry.dryRun], [3, 0, true]);
    const run = await cli('backfill', B, '--json');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.lacking, 3);
    assert.equal(report.queued + report.linked, 3);
    for (const id of clips) {
      const b = await waitForModelResult(id, B);
      const a = docsA.get(id)!;
      assert.equal(b.model.version, '1.0.1');
      assert.equal(b.model.sha256, a.model.sha256, 'same weights');
      assert.equal(b.input.sha256, a.input.sha256);
      assert.equal(b.prediction.view, a.prediction.view, 'same weights, same answer');
      const primary = await result(id);
      assert.equal(primary.body.model.version, '1.0.0', "the clip's own result is still A's");
      assert.equal((await result(id, A)).body.model.version, '1.0.0');
      const csv = await server.fetch(`/v1/clips/${id}/result.csv?model=${B}`);
      assert.equal(csv.status, 200);
      assert.match(await csv.text(), /^filename,predicted view,predicted quality,prediction std\n/);
    }
    const rerun = JSON.parse((await cli('backfill', B, '--json')).stdout);
    assert.deepEqual([rerun.lacking, rerun.queued, rerun.linked], [0, 0, 0]);
    const since = JSON.parse((await cli('backfill', A, '--since', '2999-01-01', '--dry-run', '--json')).stdout);
    assert.equal(since.lacking, 0);
  });

  test('activate B: the next upload runs B without a restart; the active model cannot be removed; rollback to A', async () => {
    const { files } = await writeDemoFiles(join(dir, 'demo'));
    const dicoms = files.filter((f) => f.format === 'dicom');
    assert.ok(dicoms.length >= 3, 'the demo writes several DICOM files');
    assert.equal((await cli('activate', B)).code, 0);
    const onB = await upload('b.dcm', readFileSync(dicoms[0]!.path));
    assert.equal((await result(onB)).body.model.version, '1.0.1');
    const rm = await cli('remove', B);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /ECHO_ERR_MODEL_IN_USE/);
    assert.equal((await cli('activate', A)).code, 0);
    const onA = await upload('a.dcm', readFileSync(dicoms[1]!.path));
    assert.equal((await result(onA)).body.model.version, '1.0.0');
  });

  test('routing: a tag rule makes B primary; a shadow rule runs B beside A', async () => {
    const { files } = await writeDemoFiles(join(dir, 'demo2'), { seed: 99 });
    const dicoms = files.filter((f) => f.format === 'dicom');
    assert.equal((await cli('route', 'add', 'trial', B, '--tag', 'trial')).code, 0);
    const tagged = await upload('t.dcm', readFileSync(dicoms[0]!.path), { tags: 'trial,other' });
    assert.equal((await result(tagged)).body.model.version, '1.0.1');
    const plain = await upload('p.dcm', readFileSync(dicoms[1]!.path));
    assert.equal((await result(plain)).body.model.version, '1.0.0');
    assert.equal((await cli('route', 'remove', 'trial')).code, 0);
    assert.equal((await cli('route', 'add', 'shadow-dicom', B, '--format', 'dicom', '--shadow')).code, 0);
    const both = await upload('s.dcm', readFileSync(dicoms[2]!.path));
    assert.equal((await result(both)).body.model.version, '1.0.0');
    const shadow = await waitForModelResult(both, B);
    assert.equal(shadow.model.version, '1.0.1');
    const bad = await uploadBytes(server, 'x.dcm', readFileSync(dicoms[0]!.path), { tags: 'no spaces' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'ECHO_ERR_BAD_REQUEST');
  });
});

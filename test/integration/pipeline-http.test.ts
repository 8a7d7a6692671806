import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { writeDemoFiles } from '../../src/demo/write-demo-files.ts';
import { createStore } from '../../src/wiring/adapters.ts';
import { PHANTOM_MATS, startServer, type TestServer, uploadBytes, waitForClip } from '../helpers/server.ts';

const VIEWS = ['AP2', 'AP3', 'AP4', 'AP5', 'PLAX', 'RVIF', 'SUBC4', 'SUBIVC', 'PSAXAo', 'PSAXM', 'PSAXPM', 'PSAXAp', 'SUPRA'];

interface ResultDoc {
  input: { key: string; sha256: string; format: string; frames: number; height: number; width: number };
  model: { name: string; version: string; sha256: string };
  prediction: { view: string; confidence: number; probabilities: Record<string, number>; quality_mean: number; quality_std: number };
  frames: { index: number; view: string; quality: number }[];
  timings_ms: Record<string, number>;
}

describe('HTTP upload → queue → worker → model → stored result', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.cleanup();
  });

  test('health and OpenAPI are public', async () => {
    const health = await fetch(new URL('/healthz', server.url));
    assert.equal(health.status, 200);
    const spec = (await (await fetch(new URL('/openapi.json', server.url))).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.match(spec.openapi, /^3\./);
    for (const path of ['/v1/clips', '/v1/clips/{id}', '/v1/clips/{id}/result', '/v1/clips/{id}/result.csv']) assert.ok(spec.paths[path], path);
  });

  test('a .mat cine goes queued → processing → done with a view from the 13 labels', async () => {
    const bytes = readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat'));
    const res = await uploadBytes(server, 'ap4_patient.mat', bytes);
    assert.equal(res.status, 202);
    const clip = (await res.json()) as { id: string; status: string; format: string };
    assert.equal(clip.status, 'queued');
    assert.equal(clip.format, 'mat-v5');
    const seen: string[] = [clip.status];
    for (;;) {
      const s = ((await (await server.fetch(`/v1/clips/${clip.id}`)).json()) as { status: string }).status;
      if (seen.at(-1) !== s) seen.push(s);
      if (s === 'done' || s === 'failed') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(['queued,done', 'queued,processing,done'].includes(seen.join(',')), seen.join(','));

    const doc = (await (await server.fetch(`/v1/clips/${clip.id}/result`)).json()) as ResultDoc;
    assert.ok(VIEWS.includes(doc.prediction.view), doc.prediction.view);
    assert.deepEqual(Object.keys(doc.prediction.probabilities).sort(), [...VIEWS].sort());
    const sum = Object.values(doc.prediction.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, String(sum));
    assert.equal(doc.input.format, 'mat-v5');
    assert.equal(doc.input.frames, 24);
    assert.equal(doc.input.height, 160);
    assert.equal(doc.input.width, 192);
    assert.match(doc.input.key, /^inputs\/clip_[a-z0-9]+\/ap4_patient\.mat$/);
    assert.equal(doc.model.name, 'view-classifier');
    assert.match(doc.model.sha256, /^[0-9a-f]{64}$/);
    assert.ok(doc.frames.length > 0);
    assert.ok(doc.prediction.quality_mean >= 0 && doc.prediction.quality_mean <= 1);

    const csvRes = await server.fetch(`/v1/clips/${clip.id}/result.csv`);
    assert.match(csvRes.headers.get('content-type') ?? '', /text\/csv/);
    const [header, row] = (await csvRes.text()).trimEnd().split('\n');
    assert.equal(header, 'filename,predicted view,predicted quality,prediction std');
    assert.equal(row?.split(',')[0], 'ap4_patient.mat');
    assert.equal(row?.split(',')[1], doc.prediction.view);

    // the stored outputs sit beside each other under outputs/ (read through the store: they are encrypted at rest)
    const store = await createStore(loadConfig({ ECHO_CLOUD_DATA_DIR: server.dataDir }));
    const stored = await text(await store.get(doc.input.key.replace(/^inputs/, 'outputs').replace(/\.mat$/, '.csv')));
    await store.close();
    assert.match(stored, /^filename,predicted view,predicted quality,prediction std\n/);
  });

  test('re-uploading the same bytes is answered from the stored result', async () => {
    const bytes = readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat'));
    const res = await uploadBytes(server, 'again.mat', bytes);
    const clip = (await res.json()) as { id: string; status: string; deduplicated: boolean; result: { view: string } };
    assert.equal(res.status, 202);
    assert.equal(clip.status, 'done');
    assert.equal(clip.deduplicated, true);
    const doc = (await (await server.fetch(`/v1/clips/${clip.id}/result`)).json()) as ResultDoc;
    assert.equal(doc.prediction.view, clip.result.view);
  });

  test('a damaged .mat fails with a coded, readable error; its result is 409', async () => {
    const bytes = readFileSync(join(PHANTOM_MATS, 'psaxm_patient.mat')).subarray(0, 3000);
    const res = await uploadBytes(server, 'broken.mat', bytes);
    assert.equal(res.status, 202);
    const { id } = (await res.json()) as { id: string };
    const clip = await waitForClip(server, id);
    assert.equal(clip.status, 'failed');
    assert.match(clip.error?.code ?? '', /^ECHO_ERR_CINE_/);
    assert.match(clip.error?.message ?? '', /broken\.mat/);
    const result = await server.fetch(`/v1/clips/${id}/result`);
    assert.equal(result.status, 409);
    assert.equal(((await result.json()) as { error: { code: string } }).error.code, 'ECHO_ERR_NOT_READY');
  });

  test('DICOM and AVI uploads go through the same pipeline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'echo-demo-'));
    try {
      const { files } = await writeDemoFiles(dir);
      for (const f of files.filter((x) => x.view === 'PLAX' && x.format !== 'mat')) {
        const res = await uploadBytes(server, f.path.split('/').pop()!, readFileSync(f.path));
        assert.equal(res.status, 202);
        const clip = (await res.json()) as { id: string; format: string };
        assert.equal(clip.format, f.format === 'avi' ? 'video' : 'dicom');
        const done = await waitForClip(server, clip.id);
        assert.equal(done.status, 'done', JSON.stringify(done.error));
        const doc = (await (await server.fetch(`/v1/clips/${clip.id}/result`)).json()) as ResultDoc;
        assert.deepEqual([doc.input.frames, doc.input.height, doc.input.width], [40, 300, 400]);
        assert.equal(doc.prediction.view, 'PLAX');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('studies group clips; metrics expose queue depth and clip counts', async () => {
    const bytes = readFileSync(join(PHANTOM_MATS, 'plax_resized.mat'));
    const res = await uploadBytes(server, 'plax.mat', bytes, { study: 'patient-7' });
    const clip = (await res.json()) as { id: string; study_id: string | null };
    assert.match(clip.study_id ?? '', /^st_/);
    const done = await waitForClip(server, clip.id);
    assert.equal(done.status, 'done');
    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    assert.match(metrics, /echo_cloud_queue_messages\{state="visible"\} \d+/);
    assert.match(metrics, /echo_cloud_clips\{status="done"\} [1-9]/);
    assert.match(metrics, /echo_cloud_job_stage_seconds_count\{stage="inference"\} [1-9]/);
  });
});

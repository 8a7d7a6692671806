import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Catalog, NewClip } from '../../src/ports/catalog.ts';
import { randomId } from '../../src/util/ids.ts';

/** The Catalog contract, run against every adapter. `make` returns a migrated, empty catalog. */
export function catalogContract(name: string, make: () => Promise<{ catalog: Catalog; cleanup: () => Promise<void> }>): void {
  describe(`Catalog contract: ${name}`, () => {
    let catalog: Catalog;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ catalog, cleanup } = await make());
      await catalog.migrate();
      await catalog.migrate(); // idempotent
      await catalog.ensureProject('p1', 'one');
      await catalog.ensureProject('p2', 'two');
    });
    after(async () => {
      await catalog.close();
      await cleanup();
    });

    const newClip = (over: Partial<NewClip> = {}): NewClip => {
      const id = randomId('clip');
      return {
        id,
        projectId: 'p1',
        studyId: null,
        name: 'a.mat',
        inputKey: `inputs/${id}/a.mat`,
        sha256: 'a'.repeat(64),
        size: 1234,
        format: 'mat-v5',
        source: 'http',
        status: 'queued',
        createdAt: Date.now(),
        ...over,
      };
    };

    test('ensureProject and findOrCreateStudy are idempotent', async () => {
      const p = await catalog.ensureProject('p1', 'other name');
      assert.equal(p.name, 'one');
      const s1 = await catalog.findOrCreateStudy('p1', 'study A');
      const s2 = await catalog.findOrCreateStudy('p1', 'study A');
      assert.equal(s1.id, s2.id);
      assert.equal(await catalog.getStudy('p2', s1.id), null, 'a study of another project is invisible');
    });

    test('clips are scoped to their project', async () => {
      const clip = await catalog.createClip(newClip());
      assert.equal(clip.status, 'queued');
      assert.equal((await catalog.getClip(clip.id, 'p1'))?.id, clip.id);
      assert.equal(await catalog.getClip(clip.id, 'p2'), null);
      const list = await catalog.listClips({ projectId: 'p2', limit: 100 });
      assert.ok(list.every((c) => c.projectId === 'p2'));
    });

    test('job lifecycle moves the clip queued → processing → done with its result', async () => {
      const clip = await catalog.createClip(newClip({ sha256: 'b'.repeat(64) }));
      const job = await catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: 'm', modelVersion: '1', createdAt: Date.now() });
      assert.equal(job.status, 'queued');
      const started = await catalog.startJob(job.id, Date.now());
      assert.equal(started.attempts, 1);
      assert.equal((await catalog.getClip(clip.id))?.status, 'processing');
      const key = { inputSha256: clip.sha256, modelName: 'm', modelVersion: '1', weightsSha256: 'c'.repeat(64) };
      const result = await catalog.putResult({
        ...key,
        id: randomId('res'),
        documentKey: 'outputs/x.json',
        csvKey: 'outputs/x.csv',
        view: 'AP4',
        confidence: 0.9,
        qualityMean: 0.5,
        qualityStd: 0.1,
        createdAt: Date.now(),
      });
      await catalog.finishJob(job.id, result.id, Date.now());
      const done = await catalog.getClip(clip.id);
      assert.equal(done?.status, 'done');
      assert.equal(done?.resultId, result.id);
      assert.equal((await catalog.getJob(job.id))?.status, 'done');
      // a late failure report after done never overwrites the result
      await catalog.failJob(job.id, { code: 'ECHO_ERR_INTERNAL', message: 'late' }, Date.now());
      assert.equal((await catalog.getClip(clip.id))?.status, 'done');
    });

    test('a further (non-primary) job never moves the clip; listJobs lists both, oldest first', async () => {
      const clip = await catalog.createClip(newClip({ sha256: '7'.repeat(64) }));
      const primary = await catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: 'm', modelVersion: '1.0.0', createdAt: 10 });
      const shadow = await catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: 'm', modelVersion: '2.0.0', createdAt: 11, primary: false });
      assert.equal(primary.primary, true);
      assert.equal(shadow.primary, false);
      await catalog.startJob(shadow.id, Date.now());
      assert.equal((await catalog.getClip(clip.id))?.status, 'queued', 'starting a further job leaves the clip queued');
      await catalog.failJob(shadow.id, { code: 'ECHO_ERR_INFERENCE_FAILED', message: 'x' }, Date.now());
      assert.equal((await catalog.getClip(clip.id))?.status, 'queued', 'its failure does not fail the clip');
      assert.equal((await catalog.getJob(shadow.id))?.status, 'failed');
      await catalog.requeueJob(shadow.id, Date.now());
      const base = { inputSha256: clip.sha256, modelName: 'm', documentKey: 'outputs/s.json', csvKey: 'outputs/s.csv', view: 'AP4', confidence: 0.9, qualityMean: 0.5, qualityStd: 0.1, createdAt: 1 };
      const r2 = await catalog.putResult({ ...base, id: randomId('res'), modelVersion: '2.0.0', weightsSha256: '8'.repeat(64) });
      await catalog.finishJob(shadow.id, r2.id, Date.now());
      const still = await catalog.getClip(clip.id);
      assert.equal(still?.status, 'queued');
      assert.equal(still?.resultId, null, "a further model's result is not the clip's result");
      const r1 = await catalog.putResult({ ...base, id: randomId('res'), modelVersion: '1.0.0', weightsSha256: '9'.repeat(64) });
      await catalog.finishJob(primary.id, r1.id, Date.now());
      assert.equal((await catalog.getClip(clip.id))?.resultId, r1.id);
      const jobs = await catalog.listJobs(clip.id);
      assert.deepEqual(jobs.map((j) => [j.id, j.status, j.resultId]), [[primary.id, 'done', r1.id], [shadow.id, 'done', r2.id]]);
      assert.deepEqual(await catalog.listJobs('clip_nonexistent0'), []);
    });

    test('listClipsLackingModel: clips without a queued, running or done job of those weights, oldest first, paged', async () => {
      await catalog.ensureProject('p3', 'three');
      const model = { name: 'lack', version: '1.0.0', weightsSha256: '1'.repeat(64) };
      const mk = (at: number, sha: string) => catalog.createClip(newClip({ projectId: 'p3', createdAt: at, sha256: sha.repeat(64) }));
      const a = await mk(1000, '2');
      const b = await mk(2000, '3');
      const c = await mk(3000, '4');
      const d = await mk(4000, '5');
      const lacking = async (q: Partial<Parameters<Catalog['listClipsLackingModel']>[0]> = {}) =>
        (await catalog.listClipsLackingModel({ model, projectId: 'p3', limit: 100, ...q })).map((x) => x.id);
      assert.deepEqual(await lacking(), [a.id, b.id, c.id, d.id]);
      // b: a queued job of the model; c: done with these weights; d: done with other weights (still lacking)
      await catalog.createJob({ id: randomId('job'), clipId: b.id, modelName: 'lack', modelVersion: '1.0.0', createdAt: 1, primary: false });
      const res = (w: string, sha: string) =>
        catalog.putResult({ id: randomId('res'), inputSha256: sha.repeat(64), modelName: 'lack', modelVersion: '1.0.0', weightsSha256: w.repeat(64), documentKey: 'outputs/l.json', csvKey: 'outputs/l.csv', view: 'AP2', confidence: 1, qualityMean: 0, qualityStd: 0, createdAt: 1 });
      const jc = await catalog.createJob({ id: randomId('job'), clipId: c.id, modelName: 'lack', modelVersion: '1.0.0', createdAt: 1, primary: false });
      await catalog.finishJob(jc.id, (await res('1', '4')).id, 1);
      const jd = await catalog.createJob({ id: randomId('job'), clipId: d.id, modelName: 'lack', modelVersion: '1.0.0', createdAt: 1, primary: false });
      await catalog.finishJob(jd.id, (await res('6', '5')).id, 1);
      // a: only a failed job of the model and a done job of another version: still lacking
      const ja = await catalog.createJob({ id: randomId('job'), clipId: a.id, modelName: 'lack', modelVersion: '1.0.0', createdAt: 1, primary: false });
      await catalog.failJob(ja.id, { code: 'ECHO_ERR_INFERENCE_FAILED', message: 'x' }, 1);
      assert.deepEqual(await lacking(), [a.id, d.id]);
      assert.deepEqual(await lacking({ since: 2000 }), [d.id]);
      assert.deepEqual(await lacking({ limit: 1 }), [a.id]);
      assert.deepEqual(await lacking({ after: { createdAt: a.createdAt, id: a.id } }), [d.id]);
      assert.deepEqual(await lacking({ projectId: 'p2' }), []);
    });

    test('putResult is idempotent on (input sha256, model, version, weights sha256)', async () => {
      const key = { inputSha256: 'd'.repeat(64), modelName: 'm', modelVersion: '1', weightsSha256: 'e'.repeat(64) };
      const base = { ...key, documentKey: 'outputs/a.json', csvKey: 'outputs/a.csv', view: 'AP2', confidence: 0.5, qualityMean: 0.5, qualityStd: 0, createdAt: 1 };
      const first = await catalog.putResult({ ...base, id: randomId('res') });
      const second = await catalog.putResult({ ...base, id: randomId('res'), view: 'PLAX' });
      assert.equal(second.id, first.id);
      assert.equal(second.view, 'AP2');
      assert.deepEqual(await catalog.findResult(key), first);
      assert.equal(await catalog.findResult({ ...key, modelVersion: '2' }), null);
    });

    test('failJob records a coded error and requeueJob puts it back', async () => {
      const clip = await catalog.createClip(newClip());
      const job = await catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: 'm', modelVersion: '1', createdAt: Date.now() });
      await catalog.startJob(job.id, Date.now());
      await catalog.failJob(job.id, { code: 'ECHO_ERR_CINE_CORRUPT', message: 'a.mat: truncated' }, Date.now());
      const failed = await catalog.getClip(clip.id);
      assert.equal(failed?.status, 'failed');
      assert.deepEqual(failed?.error, { code: 'ECHO_ERR_CINE_CORRUPT', message: 'a.mat: truncated' });
      await catalog.requeueJob(job.id, Date.now());
      assert.equal((await catalog.getClip(clip.id))?.status, 'queued');
      await catalog.startJob(job.id, Date.now());
      const again = await catalog.getClip(clip.id);
      assert.equal(again?.status, 'processing');
      assert.equal(again?.error, null);
      assert.equal((await catalog.getJob(job.id))?.attempts, 2);
    });

    test('listClips pages newest first and filters by status', async () => {
      const t0 = Date.now() + 10_000;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await catalog.createClip(newClip({ projectId: 'p2', createdAt: t0 + i }))).id);
      const page1 = await catalog.listClips({ projectId: 'p2', limit: 2 });
      assert.deepEqual(page1.map((c) => c.id), [ids[4], ids[3]]);
      const page2 = await catalog.listClips({ projectId: 'p2', limit: 2, before: page1[1]!.createdAt });
      assert.deepEqual(page2.map((c) => c.id), [ids[2], ids[1]]);
      assert.equal((await catalog.listClips({ projectId: 'p2', limit: 100, status: 'done' })).length, 0);
      const counts = await catalog.countClipsByStatus();
      assert.ok(counts.queued >= 5);
    });

    test('deleteClip removes a clip and its jobs (ingest rollback)', async () => {
      const clip = await catalog.createClip(newClip());
      await catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: 'm', modelVersion: '1', createdAt: Date.now() });
      await catalog.deleteClip(clip.id);
      assert.equal(await catalog.getClip(clip.id), null);
    });

    test('findClipByInputKey finds a clip by its unique key in any project; listJobs lists its jobs oldest first', async () => {
      const clip = await catalog.createClip(newClip({ projectId: 'p2', source: 's3', inputKey: `inputs/s3-drop/${randomId('x')}.mat` }));
      assert.equal((await catalog.findClipByInputKey(clip.inputKey))?.id, clip.id);
      assert.equal(await catalog.findClipByInputKey('inputs/none/here.mat'), null);
      await assert.rejects(catalog.createClip(newClip({ inputKey: clip.inputKey })), { code: 'CATALOG_FAILED' }, 'input keys are unique');
      assert.deepEqual(await catalog.listJobs(clip.id), []);
      const first = await catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: 'm', modelVersion: '1', createdAt: 1000 });
      const second = await catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: 'm', modelVersion: '1', createdAt: 2000 });
      assert.deepEqual(
        (await catalog.listJobs(clip.id)).map((j) => j.id),
        [first.id, second.id],
      );
    });

    test('tokens are found by hash only', async () => {
      await catalog.createToken({ id: randomId('tok'), hash: 'f'.repeat(64), projectId: 'p1', role: 'admin', label: 'first', createdAt: 1, expiresAt: null });
      const t = await catalog.findTokenByHash('f'.repeat(64));
      assert.equal(t?.role, 'admin');
      assert.equal(t?.revokedAt, null);
      assert.equal(await catalog.findTokenByHash('0'.repeat(64)), null);
      assert.ok((await catalog.countTokens()) >= 1);
    });

    test('driver failures become ECHO_ERR_CATALOG_FAILED', async () => {
      await assert.rejects(
        catalog.createClip(newClip({ projectId: 'no-such-project' })),
        (e: unknown) => (e as { code?: string }).code === 'CATALOG_FAILED',
      );
    });
  });
}

/** Backfill on the real embedded catalog and queue: queue what lacks a result, link what has one, then nothing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backfill } from '../../../src/models/backfill.ts';
import { isObjectCreated } from '../../../src/ports/job-queue.ts';
import { DEFAULT_PROJECT } from '../../../src/security/tokens.ts';
import { randomId } from '../../../src/util/ids.ts';
import { openEmbedded } from '../../helpers/embedded.ts';

test('backfill queues clips lacking the model, links clips whose bytes have its result, and a rerun does nothing', async () => {
  const e = await openEmbedded();
  try {
    const model = { name: 'view-classifier', version: '1.0.1', weightsSha256: 'f'.repeat(64) };
    const clip = async (sha: string, createdAt: number) => {
      const id = randomId('clip');
      await e.catalog.createClip({ id, projectId: DEFAULT_PROJECT.id, studyId: null, name: 'a.mat', inputKey: `inputs/${id}/a.mat`, sha256: sha.repeat(64), size: 1, format: 'mat-v5', source: 'http', status: 'done', createdAt });
      return id;
    };
    const same1 = await clip('1', 1000);
    const same2 = await clip('1', 2000);
    const other = await clip('2', 3000);
    const old = await clip('3', 10);
    const stored = await e.catalog.putResult({ id: randomId('res'), inputSha256: '1'.repeat(64), modelName: model.name, modelVersion: model.version, weightsSha256: model.weightsSha256, documentKey: 'outputs/x.json', csvKey: 'outputs/x.csv', view: 'AP4', confidence: 1, qualityMean: 0.5, qualityStd: 0, createdAt: 1 });

    const dry = await backfill({ catalog: e.catalog, queue: e.queue, model }, { dryRun: true, since: 1000 });
    assert.deepEqual([dry.lacking, dry.queued, dry.linked, dry.clipIds], [3, 0, 0, [same1, same2, other]]);
    assert.equal((await e.queue.stats()).visible, 0, 'a dry run queues nothing');
    assert.deepEqual(await e.catalog.listJobs(same1), []);

    const run = await backfill({ catalog: e.catalog, queue: e.queue, model }, { since: 1000, pageSize: 1 });
    assert.deepEqual([run.lacking, run.queued, run.linked], [3, 1, 2]);
    const linked = await e.catalog.listJobs(same2);
    assert.deepEqual(linked.map((j) => [j.primary, j.status, j.resultId]), [[false, 'done', stored.id]]);
    assert.equal((await e.catalog.getClip(same2))?.resultId, null, "the clip's own result is untouched");
    const [message] = await e.queue.receive({ max: 1, visibilitySeconds: 30, waitMs: 0 });
    assert.ok(message && !isObjectCreated(message.body), 'a job message');
    assert.deepEqual(message.body.clipId, other);
    assert.equal(message.body.primary, false);
    assert.deepEqual(message.body.model, { name: model.name, version: model.version });

    const again = await backfill({ catalog: e.catalog, queue: e.queue, model }, { since: 1000 });
    assert.deepEqual([again.lacking, again.queued, again.linked], [0, 0, 0]);
    const all = await backfill({ catalog: e.catalog, queue: e.queue, model }, { dryRun: true });
    assert.deepEqual(all.clipIds, [old], 'without --since the older clip lacks it too');
  } finally {
    await e.close();
  }
});

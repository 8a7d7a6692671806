import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openCine } from '../../src/formats/open-cine.ts';
import { ingestFile } from '../../src/ingest/ingest-file.ts';
import { type ProcessDeps, processJob } from '../../src/pipeline/process-job.ts';
import { isObjectCreated } from '../../src/ports/job-queue.ts';
import { openModelSession } from '../../src/wiring/model.ts';
import { openEmbedded } from '../helpers/embedded.ts';
import { PHANTOM_MATS } from '../helpers/server.ts';

test('a redelivered job never produces a second, different result', async () => {
  const e = await openEmbedded();
  const session = await openModelSession(e.config);
  // A second worker's session and work folder: two deliveries of one job run in two worker processes, each
  // with its own session (one session runs one clip at a time) and its own `<data>/work/<pid>`.
  const other = await openModelSession(e.config);
  try {
    const deps: ProcessDeps = {
      catalog: e.catalog,
      store: e.store,
      model: session.identity,
      openCine,
      predict: session.predict,
      maxDecodedBytes: e.config.maxDecodedBytes,
      workDir: join(e.dir, 'work'),
    };
    const { clip } = await ingestFile(e.ingest, { name: 'a.mat', body: createReadStream(join(PHANTOM_MATS, 'psaxm_patient.mat')), source: 'cli', projectId: 'default' });
    const [message] = await e.queue.receive({ visibilitySeconds: 60, waitMs: 1000 });
    assert.ok(message && !isObjectCreated(message.body));
    // Two deliveries of the same job running at once (a visibility expiry while the first still runs).
    const [a, b] = await Promise.all([processJob(deps, message.body), processJob({ ...deps, predict: other.predict, workDir: join(e.dir, 'work-2') }, message.body)]);
    assert.equal(a.status, 'done');
    assert.equal(b.status, 'done');
    assert.equal(a.status === 'done' && b.status === 'done' && a.resultId === b.resultId, true);
    const firstDoc = await e.store.get(`outputs/${clip.id}/a.json`).then((s) => s.toArray());
    // A later redelivery is skipped and leaves the stored result untouched.
    const again = await processJob(deps, message.body);
    assert.equal(again.status, 'skipped');
    const done = await e.catalog.getClip(clip.id);
    assert.equal(done?.status, 'done');
    assert.equal(done?.resultId, a.status === 'done' ? a.resultId : '');
    const secondDoc = await e.store.get(`outputs/${clip.id}/a.json`).then((s) => s.toArray());
    assert.deepEqual(Buffer.concat(secondDoc), Buffer.concat(firstDoc));
  } finally {
    await session.close();
    await other.close();
    await e.close();
  }
});

test('a permanent input error fails the job without retry; processing is deterministic', async () => {
  const e = await openEmbedded();
  const session = await openModelSession(e.config);
  try {
    const deps: ProcessDeps = { catalog: e.catalog, store: e.store, model: session.identity, openCine, predict: session.predict, maxDecodedBytes: e.config.maxDecodedBytes, workDir: join(e.dir, 'work') };
    async function* truncated() {
      const parts: Buffer[] = [];
      for await (const c of createReadStream(join(PHANTOM_MATS, 'ap4_patient.mat'))) parts.push(c as Buffer);
      yield Buffer.concat(parts).subarray(0, 5000);
    }
    await ingestFile(e.ingest, { name: 'cut.mat', body: truncated(), source: 'cli', projectId: 'default' });
    const [message] = await e.queue.receive({ visibilitySeconds: 60, waitMs: 1000 });
    assert.ok(message && !isObjectCreated(message.body));
    const outcome = await processJob(deps, message.body);
    assert.equal(outcome.status, 'failed');
    const clip = await e.catalog.getClip(message.body.clipId);
    assert.equal(clip?.status, 'failed');
    assert.match(clip?.error?.code ?? '', /^ECHO_ERR_CINE_/);

    const cine1 = await openCine(join(PHANTOM_MATS, 'plax_resized.mat'), { limits: { maxDecodedBytes: 1e9 } });
    const cine2 = await openCine(join(PHANTOM_MATS, 'plax_resized.mat'), { limits: { maxDecodedBytes: 1e9 } });
    const p1 = await session.predict(cine1);
    const p2 = await session.predict(cine2);
    await cine1.close();
    await cine2.close();
    assert.deepEqual(p1.probabilities, p2.probabilities);
  } finally {
    await session.close();
    await e.close();
  }
});

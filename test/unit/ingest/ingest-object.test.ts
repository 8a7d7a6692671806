/**
 * Registering objects that arrived in the store by themselves (S3 uploads announced by event notifications)
 * as clips: real embedded store and catalog, real phantom cines.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ingestFile } from '../../../src/ingest/ingest-file.ts';
import { ingestObject, type ObjectIngestDeps } from '../../../src/ingest/ingest-object.ts';
import { presignedInputKey } from '../../../src/ingest/presigned-keys.ts';
import type { ObjectCreatedBody } from '../../../src/ports/job-queue.ts';
import { randomId } from '../../../src/util/ids.ts';
import { type Embedded, openEmbedded } from '../../helpers/embedded.ts';
import { PHANTOM_MATS } from '../../helpers/server.ts';

let e: Embedded;
let deps: ObjectIngestDeps;
before(async () => {
  e = await openEmbedded();
  deps = { ...e.ingest, projectId: 'default' };
});
after(() => e.close());

const event = (key: string): ObjectCreatedBody => ({ kind: 'object-created', key, size: 0, eventTime: 1_000 });

async function drop(key: string, bytes: Uint8Array): Promise<void> {
  await e.store.put(key, Readable.from([bytes]));
}

test('an object under inputs/ becomes an s3 clip with its sha256, format and study, and one job to run', async () => {
  const bytes = await readFile(join(PHANTOM_MATS, 'ap4_patient.mat'));
  await drop('inputs/ward 3/ap4.mat', bytes);
  const outcome = await ingestObject(deps, event('inputs/ward 3/ap4.mat'));
  assert.equal(outcome.kind, 'run');
  if (outcome.kind !== 'run') return;
  const { clip, job } = outcome;
  assert.equal(clip.source, 's3');
  assert.equal(clip.name, 'ap4.mat');
  assert.equal(clip.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(clip.size, bytes.length);
  assert.equal(clip.format, 'mat-v5');
  assert.equal((await e.catalog.getStudy('default', clip.studyId ?? ''))?.name, 'ward 3');
  assert.equal(job.clipId, clip.id);
  assert.equal(job.queuedAt, 1_000);
  assert.deepEqual(job.model, { name: deps.model.name, version: deps.model.version });

  // Redelivered (or duplicated) event: the same clip and job, no second clip.
  const again = await ingestObject(deps, event('inputs/ward 3/ap4.mat'));
  assert.equal(again.kind === 'run' && again.job.jobId, job.jobId);
  // Once the job has finished, the event is skipped.
  await e.catalog.startJob(job.jobId, 2_000);
  await e.catalog.failJob(job.jobId, { code: 'ECHO_ERR_INTERNAL', message: 'x' }, 3_000);
  const done = await ingestObject(deps, event('inputs/ward 3/ap4.mat'));
  assert.equal(done.kind, 'skip');
  assert.match(done.kind === 'skip' ? done.reason : '', /already failed/);
});

test('duplicate events handled at the same time register one clip', async () => {
  await drop('inputs/dup.mat', await readFile(join(PHANTOM_MATS, 'plax_resized.mat')));
  const outcomes = await Promise.all(Array.from({ length: 4 }, () => ingestObject(deps, event('inputs/dup.mat'))));
  const jobs = new Set(outcomes.map((o) => (o.kind === 'run' ? o.job.jobId : o.kind)));
  assert.equal(jobs.size, 1, [...jobs].join());
  const clip = await e.catalog.findClipByInputKey('inputs/dup.mat');
  assert.equal((await e.catalog.listJobs(clip!.id)).length, 1);
});

test('objects written by ingest itself, and keys outside inputs/, are skipped', async () => {
  const { clip } = await ingestFile(e.ingest, { name: 'up.mat', body: createReadStream(join(PHANTOM_MATS, 'psaxm_patient.mat')), source: 'http', projectId: 'default' });
  const viaApi = await ingestObject(deps, event(clip.inputKey));
  assert.equal(viaApi.kind, 'skip');
  assert.match(viaApi.kind === 'skip' ? viaApi.reason : '', /written by ingest/);
  assert.equal((await ingestObject(deps, event('outputs/x.json'))).kind, 'skip');
});

test('an object that is not a cine is recorded as a failed clip with a coded error', async () => {
  await drop('inputs/notes.txt', Buffer.from('this is not a cine at all, just some text '.repeat(20)));
  const outcome = await ingestObject(deps, event('inputs/notes.txt'));
  assert.equal(outcome.kind, 'failed');
  if (outcome.kind !== 'failed') return;
  assert.equal(outcome.error.code, 'UNSUPPORTED_FORMAT');
  assert.equal(outcome.clip.status, 'failed');
  assert.equal(outcome.clip.error?.code, 'ECHO_ERR_UNSUPPORTED_FORMAT');
  await drop('inputs/empty.mat', new Uint8Array(0));
  const empty = await ingestObject(deps, event('inputs/empty.mat'));
  assert.equal(empty.kind === 'failed' && empty.error.code, 'UPLOAD_EMPTY');
  await drop('inputs/big.mat', new Uint8Array(2048));
  const big = await ingestObject({ ...deps, maxUploadBytes: 1024 }, event('inputs/big.mat'));
  assert.equal(big.kind === 'failed' && big.error.code, 'UPLOAD_TOO_LARGE');
});

test('an object deleted before its event is handled is NOT_FOUND (retried, then dead-lettered)', async () => {
  await assert.rejects(ingestObject(deps, event('inputs/gone.mat')), { code: 'NOT_FOUND' });
});

test('with a spool dir, the bytes hashed are kept for the job; refused objects leave no copy', async () => {
  const spoolDir = join(e.dir, 'spool');
  const bytes = await readFile(join(PHANTOM_MATS, 'psaxm_patient.mat'));
  await drop('inputs/spooled.mat', bytes);
  const outcome = await ingestObject({ ...deps, spoolDir }, event('inputs/spooled.mat'));
  assert.equal(outcome.kind, 'run');
  const spooled = outcome.kind === 'run' ? outcome.spooled : undefined;
  assert.ok(spooled?.startsWith(spoolDir));
  assert.deepEqual(await readFile(spooled!), bytes);
  await rm(spooled!);
  await drop('inputs/junk.bin', Buffer.from('junk '.repeat(300)));
  assert.equal((await ingestObject({ ...deps, spoolDir }, event('inputs/junk.bin'))).kind, 'failed');
  await drop('inputs/large.mat', bytes);
  assert.equal((await ingestObject({ ...deps, spoolDir, maxUploadBytes: 1000 }, event('inputs/large.mat'))).kind, 'failed');
  assert.deepEqual(await readdir(spoolDir), []);
});

test('a presigned upload key registers its clip in the project and study it names, under the clip id it names, once', async () => {
  await e.catalog.ensureProject('lab-b', 'Lab B');
  const study = await e.catalog.findOrCreateStudy('lab-b', 'echo lab');
  const clipId = randomId('clip');
  const key = presignedInputKey({ projectId: 'lab-b', studyId: study.id, clipId, name: 'a4c.mat' });
  assert.equal(key, `inputs/presigned/lab-b/${study.id}/${clipId}/a4c.mat`);
  await drop(key, await readFile(join(PHANTOM_MATS, 'ap4_patient.mat')));
  const outcomes = await Promise.all(Array.from({ length: 3 }, () => ingestObject(deps, event(key))));
  assert.ok(outcomes.every((o) => o.kind === 'run' && o.clip.id === clipId), JSON.stringify(outcomes.map((o) => o.kind)));
  const clip = await e.catalog.getClip(clipId, 'lab-b');
  assert.equal(clip?.studyId, study.id);
  assert.equal(clip?.name, 'a4c.mat');
  assert.equal(await e.catalog.getClip(clipId, 'default'), null, 'not in the default project');
  assert.equal((await e.catalog.listJobs(clipId)).length, 1, 'one job for three deliveries');
  assert.equal((await e.catalog.listClips({ projectId: 'default', limit: 500 })).filter((c) => c.inputKey === key).length, 0);
});

test('a key under inputs/presigned/ that the API did not sign, or that names a missing project or another project’s study, is not registered', async () => {
  const bytes = await readFile(join(PHANTOM_MATS, 'ap4_patient.mat'));
  const other = await e.catalog.findOrCreateStudy('default', 'not lab-b’s');
  await e.catalog.ensureProject('lab-b', 'Lab B');
  const keys = [
    'inputs/presigned/a4c.mat',
    `inputs/presigned/lab-b/not-a-clip-id/a4c.mat`,
    presignedInputKey({ projectId: 'no-such-lab', studyId: null, clipId: randomId('clip'), name: 'a4c.mat' }),
    presignedInputKey({ projectId: 'lab-b', studyId: other.id, clipId: randomId('clip'), name: 'a4c.mat' }),
  ];
  for (const key of keys) {
    await drop(key, bytes);
    const outcome = await ingestObject(deps, event(key));
    assert.equal(outcome.kind, 'skip', key);
    assert.equal(await e.catalog.findClipByInputKey(key), null, key);
  }
});

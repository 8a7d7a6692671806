/**
 * Done-when of issue 7: the API and two worker instances on S3 + SQS (fauxqs) + PostgreSQL, clips fed as S3
 * event notifications (objects put under inputs/, then the exact JSON S3 sends to SQS), one worker instance
 * SIGKILLed mid-job (server and worker process at once, as when a machine disappears), and nothing lost:
 * every clip reaches done exactly once, with one job and one result each, within a bounded time.
 */
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { createPostgresCatalog } from '../../src/adapters/catalog/postgres/create-postgres-catalog.ts';
import { createSqsQueue } from '../../src/adapters/queue/sqs/index.ts';
import type { Clip } from '../../src/ports/catalog.ts';
import { startCloud, startHost } from '../helpers/cloud.ts';
import { deploySlowModel } from '../helpers/slow-model.ts';
import { waitFor } from '../helpers/embedded.ts';
import { PHANTOM_MATS } from '../helpers/server.ts';

const CLIPS_BY_EVENT = 8;
const DONE_WITHIN_MS = 120_000;
/** Every inference takes at least this long, so the kill always lands while instance A is mid-job. */
const INFERENCE_MS = 1500;

/** Distinct bytes per clip from the phantom fixtures: a label in the MAT header's free text (bytes 80-115). */
async function clipBytes(i: number): Promise<Buffer> {
  const names = ['ap4_patient.mat', 'plax_resized.mat', 'psaxm_patient.mat'];
  const bytes = await readFile(join(PHANTOM_MATS, names[i % names.length]!));
  bytes.write(`echo scale-out clip ${i}`.padEnd(30, ' '), 80, 'latin1');
  return bytes;
}

test('API + two worker instances on S3/SQS/PostgreSQL: S3-event clips all done exactly once after one instance is SIGKILLed mid-job', async (t) => {
  // Short visibility so the killed instance's message comes back quickly; heartbeats keep live jobs hidden.
  const model = await deploySlowModel(INFERENCE_MS);
  const cloud = await startCloud({ maxReceives: 4, env: { ECHO_CLOUD_VISIBILITY_SECONDS: '3', ECHO_CLOUD_RETRY_BASE_SECONDS: '1', ...model.env } });
  const catalog = createPostgresCatalog(cloud.databaseUrl);
  const hosts: Awaited<ReturnType<typeof startHost>>[] = [];
  try {
    const api = await startHost(cloud, 'api');
    hosts.push(api);
    // B runs two worker processes so the remaining slow jobs finish in reasonable time after A is gone.
    const [a, b] = await Promise.all([startHost(cloud, 'worker', { ECHO_CLOUD_WORKERS: '1' }), startHost(cloud, 'worker', { ECHO_CLOUD_WORKERS: '2' })]);
    hosts.push(a!, b!);

    // Instance A dies the moment its worker starts a job: frozen at once (SIGSTOP), then the whole group killed.
    // Its inference takes ≥ INFERENCE_MS, so however late the log line arrives through the pipe under load,
    // the job is still running when the signal lands.
    const killed = a!
      .waitForLog((r) => r.msg === 'job started', 90_000)
      .then((record) => {
        process.kill(Number(record.pid), 'SIGSTOP');
        a!.killInstance();
        return { jobId: String(record.jobId), clipId: String(record.clipId), at: Date.now() };
      });

    const started = Date.now();
    for (let i = 0; i < CLIPS_BY_EVENT; i++) {
      const folder = i % 2 === 0 ? 'inputs/ward 4' : 'inputs';
      await cloud.dropObject(`${folder}/clip ${i}.mat`, await clipBytes(i));
    }
    // One clip through the API too; S3 also notifies the queue about the object the API stored.
    const form = new FormData();
    form.append('file', new Blob([await clipBytes(100)]), 'via-api.mat');
    const res = await fetch(new URL('/v1/clips', api.url!), { method: 'POST', body: form, headers: { authorization: 'Bearer test_admin_token_for_the_scale_out_tests_0123456789' } });
    const answer = await res.text();
    assert.equal(res.status, 202, answer);
    const uploaded = JSON.parse(answer) as { id: string };
    const apiClip = await catalog.getClip(uploaded.id);
    assert.ok(apiClip);
    await cloud.notify(apiClip.inputKey, apiClip.size);

    const victim = await killed;
    t.diagnostic(`instance A SIGKILLed ${victim.at - started} ms after the first event, holding job ${victim.jobId}`);

    const total = CLIPS_BY_EVENT + 1;
    const clips = await waitFor(
      `all ${total} clips done`,
      async () => {
        const all = await catalog.listClips({ projectId: 'default', limit: 100 });
        return all.length === total && all.every((c) => c.status === 'done' || c.status === 'failed') ? all : null;
      },
      DONE_WITHIN_MS,
    );
    const elapsed = Date.now() - started;
    t.diagnostic(`${total} clips done in ${elapsed} ms (one instance killed; visibility timeout 3 s)`);
    console.log(`[scale-out] ${total} clips done in ${elapsed} ms with one of two worker instances SIGKILLed mid-job`);

    assert.deepEqual(
      clips.filter((c: Clip) => c.status !== 'done').map((c) => `${c.name}: ${c.error?.code}`),
      [],
    );
    assert.equal(clips.filter((c) => c.source === 's3').length, CLIPS_BY_EVENT);
    assert.equal(clips.filter((c) => c.source === 'http').length, 1, 'the API upload’s own S3 notification made no second clip');
    assert.equal(new Set(clips.map((c) => c.inputKey)).size, total);

    // The job the killed instance held was run again elsewhere and finished: nothing lost.
    const victimJob = await catalog.getJob(victim.jobId);
    assert.equal(victimJob?.status, 'done');
    assert.ok(!a!.logs().some((r) => r.msg === 'job done' && r.jobId === victim.jobId), 'instance A was killed before it finished the job');
    assert.equal(victimJob.modelName, 'slow-stats', 'the clips ran on the deployed slow model');
    // The catalog says done before B's log line has come through its pipe: wait for the line (a loaded
    // machine delays it), and show both instances' trail of the job if it never comes.
    const trail = () => [a!, b!].map((h, i) => `${'AB'[i]}: ${JSON.stringify(h.logs().filter((r) => r.jobId === victim.jobId).map((r) => ({ msg: r.msg, pid: r.pid, receiveCount: r.receiveCount })))}`).join('\n');
    const rerun = await b!.waitForLog((r) => r.msg === 'job done' && r.jobId === victim.jobId, 15_000).catch(() => undefined);
    assert.ok(rerun, `instance B ran the job the killed instance held\n${trail()}`);
    assert.ok(Number(rerun.receiveCount) >= 2, `instance B got it as a redelivery (receive ${rerun.receiveCount})`);

    // Exactly once: one job and one result per clip, two output files per clip, nothing left in the queues.
    for (const clip of clips) assert.equal((await catalog.listJobs(clip.id)).length, 1, `${clip.name} has one job`);
    assert.equal(new Set(clips.map((c) => c.resultId)).size, total);
    const db = new pg.Client({ connectionString: cloud.databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT count(*)::int AS n FROM results');
    await db.end();
    assert.equal(rows[0].n, total, 'one result row per clip');
    const listed = await cloud.s3.send(new ListObjectsV2Command({ Bucket: cloud.bucket, Prefix: `${cloud.prefix}/outputs/` }));
    assert.equal(listed.KeyCount, total * 2, (listed.Contents ?? []).map((o) => o.Key).join('\n'));
    const queue = await createSqsQueue({ queue: cloud.queueName, endpoint: cloud.emulator.endpoint, maxReceives: 4 });
    assert.deepEqual(await queue.stats(), { visible: 0, inFlight: 0, delayed: 0, dead: 0 });
    await queue.close();
    assert.ok(
      [a!, b!].some((h) => h.logs().some((r) => r.msg === 'object event skipped')),
      'a worker skipped the notification for the API upload',
    );

    // The API serves a result of an S3-event clip from S3.
    const s3Clip = clips.find((c) => c.source === 's3')!;
    const result = await fetch(new URL(`/v1/clips/${s3Clip.id}/result`, api.url!), { headers: { authorization: 'Bearer test_admin_token_for_the_scale_out_tests_0123456789' } });
    assert.equal(result.status, 200);
    const doc = (await result.json()) as { input: { key: string; sha256: string } };
    assert.equal(doc.input.key, s3Clip.inputKey);
    assert.equal(doc.input.sha256, s3Clip.sha256);
    assert.ok(elapsed < DONE_WITHIN_MS);
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    await catalog.close();
    await cloud.close();
    await rm(model.dir, { recursive: true, force: true });
  }
});

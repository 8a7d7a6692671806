/**
 * A worker instance on Spot (ECHO_CLOUD_SPOT=on) with scale-in protection, on S3 + SQS (fauxqs) +
 * PostgreSQL, its instance metadata served by a local IMDSv2 server (tokens required) and its Auto Scaling
 * calls by a local server speaking that API. When the interruption notice appears mid-job, the instance
 * stops receiving, its message is visible again at once (not after the 30 s visibility timeout), protection
 * is cleared, and another instance finishes the job.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createPostgresCatalog } from '../../src/adapters/catalog/postgres/create-postgres-catalog.ts';
import { createSqsQueue } from '../../src/adapters/queue/sqs/index.ts';
import { startCloud, startHost } from '../helpers/cloud.ts';
import { waitFor } from '../helpers/embedded.ts';
import { startAutoScalingServer, startImdsServer } from '../helpers/imds-server.ts';
import { PHANTOM_MATS } from '../helpers/server.ts';

test('a Spot interruption notice mid-job: the instance stops receiving and its message is visible again at once', async (t) => {
  const cloud = await startCloud({ maxReceives: 4, env: { ECHO_CLOUD_VISIBILITY_SECONDS: '30' } });
  const imds = await startImdsServer();
  const asg = await startAutoScalingServer(imds.instanceId);
  const catalog = createPostgresCatalog(cloud.databaseUrl);
  const queue = await createSqsQueue({ queue: cloud.queueName, endpoint: cloud.emulator.endpoint, maxReceives: 4 });
  const hosts: Awaited<ReturnType<typeof startHost>>[] = [];
  try {
    const spot = await startHost(cloud, 'worker', {
      ECHO_CLOUD_WORKERS: '1',
      ECHO_CLOUD_SPOT: 'on',
      ECHO_CLOUD_SPOT_POLL_MS: '100',
      ECHO_CLOUD_IMDS_ENDPOINT: imds.endpoint,
      ECHO_CLOUD_SCALE_IN_PROTECTION: 'on',
      ECHO_CLOUD_AUTOSCALING_ENDPOINT: asg.endpoint,
    });
    hosts.push(spot);
    const bytes = await readFile(join(PHANTOM_MATS, 'plax_resized.mat'));
    await cloud.dropObject('inputs/spot/plax.mat', bytes);

    // Freeze the worker as its job starts, post the notice, let the watcher see it, then let the worker go on:
    // the interrupt is waiting for it, whatever the job's speed.
    const started = await spot.waitForLog((r) => r.msg === 'job started');
    const workerPid = Number(started.pid);
    process.kill(workerPid, 'SIGSTOP');
    await waitFor('protection on while busy', async () => asg.protections.length > 0, 10_000);
    const noticeAt = Date.now();
    imds.interrupt();
    await spot.waitForLog((r) => r.msg === 'spot interruption notice', 5_000);
    await sleep(200);
    process.kill(workerPid, 'SIGCONT');

    const visibleAgain = await waitFor('message visible again', async () => ((await queue.stats()).visible === 1 ? Date.now() : null), 10_000);
    t.diagnostic(`message visible again ${visibleAgain - noticeAt} ms after the notice (visibility timeout 30 s)`);
    console.log(`[spot] message visible again ${visibleAgain - noticeAt} ms after the interruption notice`);
    assert.ok(visibleAgain - noticeAt < 5_000);
    await spot.waitForLog((r) => r.msg === 'workers stopped for the spot notice; this instance takes no more jobs', 10_000);
    assert.ok(spot.logs().some((r) => r.msg === 'interrupted; released the job for another worker at once'));
    // Back to queued; or done, when the job completed in the moment before the process exited (the result is
    // then kept and the redelivery acknowledges it): either way nothing is lost and nothing is doubled.
    const clip = await catalog.findClipByInputKey('inputs/spot/plax.mat');
    assert.ok(clip?.status === 'queued' || clip?.status === 'done', `clip ${clip?.status}`);
    t.diagnostic(`interrupted clip was ${clip?.status} after the release`);

    // The instance takes nothing more: a new clip stays in the queue.
    await cloud.dropObject('inputs/spot/ap4.mat', await readFile(join(PHANTOM_MATS, 'ap4_patient.mat')));
    await sleep(1500);
    assert.deepEqual(await queue.stats(), { visible: 2, inFlight: 0, delayed: 0, dead: 0 });
    assert.deepEqual(asg.protections, [true, false], 'protected while busy, cleared after the notice');
    assert.ok(imds.requests.some((r) => r.startsWith('200 PUT /latest/api/token')));
    assert.ok(!imds.requests.some((r) => r.startsWith('401')), 'every metadata GET carried a token');

    // Another instance finishes both; the interrupted one as a redelivery of the same job.
    const other = await startHost(cloud, 'worker', { ECHO_CLOUD_WORKERS: '1' });
    hosts.push(other);
    await waitFor(
      'both clips done',
      async () => {
        const clips = await catalog.listClips({ projectId: 'default', limit: 10 });
        return clips.length === 2 && clips.every((c) => c.status === 'done');
      },
      60_000,
    );
    // The redelivered notification resumes the same job, or is acknowledged as already done.
    const redone = other
      .logs()
      .find((r) => (r.msg === 'job done' && r.jobId === started.jobId) || (r.msg === 'object event skipped' && r.key === 'inputs/spot/plax.mat'));
    const trail = (h: typeof other): string =>
      JSON.stringify(h.logs().filter((r) => typeof r.msg === 'string' && /job|message|object/.test(r.msg)).map((r) => ({ msg: r.msg, jobId: r.jobId, receiveCount: r.receiveCount, key: r.key, reason: r.reason })));
    assert.ok(redone && Number(redone.receiveCount) === 2, `job ${String(started.jobId)} taken by the other instance on its second delivery:\nspot ${trail(spot)}\nother ${trail(other)}`);
    assert.equal((await catalog.listJobs(clip!.id)).length, 1);
    const db = new pg.Client({ connectionString: cloud.databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT count(*)::int AS n FROM results');
    await db.end();
    assert.equal(rows[0].n, 2, 'one result per clip');
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    await queue.close();
    await catalog.close();
    await asg.close();
    await imds.close();
    await cloud.close();
  }
});

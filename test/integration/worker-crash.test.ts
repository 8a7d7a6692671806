import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import pino from 'pino';
import { ingestFile } from '../../src/ingest/ingest-file.ts';
import { startSupervisor } from '../../src/worker/supervisor.ts';
import { type Embedded, openEmbedded, waitFor } from '../helpers/embedded.ts';
import { alive, PHANTOM_MATS } from '../helpers/server.ts';

const WORKER = fileURLToPath(new URL('../../src/worker/worker-main.ts', import.meta.url));

/** One real worker process under a supervisor wired to the test's embedded adapters. */
function supervise(e: Embedded, maxReceives: number, onJobStart: (pid: number) => void) {
  return startSupervisor({
    count: 1,
    entry: WORKER,
    env: { ...process.env, ...e.env },
    jobTimeoutSeconds: 120,
    maxReceives,
    shutdownGraceSeconds: 5,
    queue: e.queue,
    catalog: e.catalog,
    log: pino({ level: 'silent' }),
    onJobStart: (_m, pid) => onJobStart(pid),
    workRoot: join(e.dir, 'work'),
  });
}

test('a worker SIGKILLed mid-job loses nothing: the job is released at once and done by its replacement', async () => {
  const e = await openEmbedded({ ECHO_CLOUD_MAX_RECEIVES: '3', ECHO_CLOUD_VISIBILITY_SECONDS: '300' });
  const killed: number[] = [];
  const supervisor = supervise(e, 3, (pid) => {
    if (killed.length === 0) {
      killed.push(pid);
      process.kill(pid, 'SIGKILL');
    }
  });
  try {
    await supervisor.ready();
    const started = Date.now();
    const { clip } = await ingestFile(e.ingest, { name: 'ap4.mat', body: createReadStream(join(PHANTOM_MATS, 'ap4_patient.mat')), source: 'cli', projectId: 'default' });
    const done = await waitFor('clip done', async () => {
      const c = await e.catalog.getClip(clip.id);
      return c?.status === 'done' ? c : null;
    });
    // released at once, not after the 300 s visibility timeout
    assert.ok(Date.now() - started < 60_000);
    assert.equal(killed.length, 1);
    assert.equal(alive(killed[0]!), false);
    // the killed worker's private work folder (a decrypted input may sit there) is gone
    assert.equal(existsSync(join(e.dir, 'work', String(killed[0]))), false);
    assert.ok(done.resultId);
    const outputs: string[] = [];
    for await (const key of e.store.list('outputs/')) outputs.push(key);
    assert.equal(outputs.length, 2, outputs.join(', '));
    const stats = await e.queue.stats();
    assert.deepEqual(stats, { visible: 0, inFlight: 0, delayed: 0, dead: 0 });
  } finally {
    const pids = supervisor.pids();
    await supervisor.stop();
    for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} left running`);
    await e.close();
  }
});

test('a job that kills its worker on every delivery fails with ECHO_ERR_WORKER_DIED after max receives', async () => {
  const e = await openEmbedded({ ECHO_CLOUD_MAX_RECEIVES: '2' });
  let kills = 0;
  const supervisor = supervise(e, 2, (pid) => {
    kills++;
    process.kill(pid, 'SIGKILL');
  });
  try {
    await supervisor.ready();
    const { clip } = await ingestFile(e.ingest, { name: 'poison.mat', body: createReadStream(join(PHANTOM_MATS, 'ap4_patient.mat')), source: 'cli', projectId: 'default' });
    const failed = await waitFor('clip failed', async () => {
      const c = await e.catalog.getClip(clip.id);
      return c?.status === 'failed' ? c : null;
    });
    assert.equal(kills, 2);
    assert.equal(failed.error?.code, 'ECHO_ERR_WORKER_DIED');
    assert.match(failed.error?.message ?? '', /last allowed delivery \(2 of 2\)/);
    assert.equal((await e.queue.stats()).inFlight, 0);
  } finally {
    await supervisor.stop();
    await e.close();
  }
});

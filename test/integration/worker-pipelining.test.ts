/**
 * A worker process holding two jobs (ECHO_CLOUD_WORKER_JOBS=2): the next job is taken and its input read
 * while the model runs the current one, the model itself still runs one clip at a time, and a worker
 * SIGKILLed while holding two jobs loses neither: both are released at once and done exactly once.
 * The model is the command-runtime example behind a sleep, which writes when each run starts and ends.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ingestFile } from '../../src/ingest/ingest-file.ts';
import { startSupervisor } from '../../src/worker/supervisor.ts';
import { type Embedded, openEmbedded, waitFor } from '../helpers/embedded.ts';
import { PHANTOM_MATS } from '../helpers/server.ts';
import { deploySlowModel } from '../helpers/slow-model.ts';

const WORKER = fileURLToPath(new URL('../../src/worker/worker-main.ts', import.meta.url));
const SLEEP_MS = 700;

function supervise(e: Embedded, hooks: { onJobStart?: (jobId: string, pid: number) => void; onJobEnd?: (jobId: string) => void } = {}) {
  return startSupervisor({
    count: 1,
    entry: WORKER,
    env: { ...process.env, ...e.env },
    jobTimeoutSeconds: 120,
    maxReceives: 3,
    shutdownGraceSeconds: 5,
    queue: e.queue,
    catalog: e.catalog,
    log: pino({ level: 'silent' }),
    onJobStart: (m, pid) => hooks.onJobStart?.(m.jobId, pid),
    onJobEnd: (m) => hooks.onJobEnd?.(m.jobId),
    workRoot: join(e.dir, 'work'),
  });
}

/** Three distinct clips (different phantom files), ingested as the CLI does. */
async function ingestThree(e: Embedded): Promise<string[]> {
  const ids: string[] = [];
  for (const name of ['ap4_patient.mat', 'plax_resized.mat', 'psaxm_patient.mat']) {
    const { clip } = await ingestFile(e.ingest, { name, body: createReadStream(join(PHANTOM_MATS, name)), source: 'cli', projectId: 'default' });
    ids.push(clip.id);
  }
  return ids;
}

async function allDone(e: Embedded, ids: string[]): Promise<void> {
  await waitFor(
    'every clip done',
    async () => {
      const clips = await Promise.all(ids.map((id) => e.catalog.getClip(id)));
      return clips.every((c) => c?.status === 'done');
    },
    90_000,
  );
}

test('with two jobs held, the next job starts while the model runs, and model runs never overlap', async () => {
  const spansDir = await mkdtemp(join(tmpdir(), 'echo-spans-'));
  const spans = join(spansDir, 'spans');
  const model = await deploySlowModel(SLEEP_MS, { spans });
  const e = await openEmbedded({ ...model.env, ECHO_CLOUD_WORKER_JOBS: '2' });
  const events: string[] = [];
  const supervisor = supervise(e, { onJobStart: (id) => events.push(`start ${id}`), onJobEnd: (id) => events.push(`end ${id}`) });
  try {
    await supervisor.ready();
    const ids = await ingestThree(e);
    await allDone(e, ids);
    // The second job started before the first ended: the worker held two.
    const firstEnd = events.findIndex((x) => x.startsWith('end '));
    assert.ok(events.filter((x, i) => x.startsWith('start ') && i < firstEnd).length >= 2, events.join(', '));
    // The model ran once per clip, one run at a time.
    const lines = (await readFile(spans, 'utf8')).trim().split('\n').map((l) => l.split(' ') as [string, string]);
    assert.equal(lines.length, 6, lines.join(' | '));
    for (const [i, [kind]] of lines.entries()) assert.equal(kind, i % 2 === 0 ? 'start' : 'end', `run ${i >> 1} overlaps another: ${lines.join(' | ')}`);
    // Exactly one result per clip; nothing left in the queue.
    for (const id of ids) assert.ok((await e.catalog.getClip(id))?.resultId);
    assert.deepEqual(await e.queue.stats(), { visible: 0, inFlight: 0, delayed: 0, dead: 0 });
  } finally {
    await supervisor.stop();
    await e.close();
    await rm(model.dir, { recursive: true, force: true });
    await rm(spansDir, { recursive: true, force: true });
  }
});

test('a worker SIGKILLed while holding two jobs: both are released at once and done exactly once by its replacement', async () => {
  const model = await deploySlowModel(SLEEP_MS);
  // A 300 s visibility: only the supervisor's release at the worker's death brings the jobs back in time.
  const e = await openEmbedded({ ...model.env, ECHO_CLOUD_WORKER_JOBS: '2', ECHO_CLOUD_VISIBILITY_SECONDS: '300' });
  const held = new Map<number, Set<string>>();
  let killed: { pid: number; jobs: string[] } | null = null;
  const supervisor = supervise(e, {
    onJobStart: (id, pid) => {
      const jobs = held.get(pid) ?? new Set<string>();
      jobs.add(id);
      held.set(pid, jobs);
      if (!killed && jobs.size === 2) {
        killed = { pid, jobs: [...jobs] };
        process.kill(pid, 'SIGKILL');
      }
    },
    onJobEnd: (id) => {
      for (const jobs of held.values()) jobs.delete(id);
    },
  });
  try {
    await supervisor.ready();
    const started = Date.now();
    const ids = await ingestThree(e);
    await allDone(e, ids);
    assert.ok(killed, 'the worker never held two jobs');
    assert.ok(Date.now() - started < 60_000, 'released at once, not after the visibility timeout');
    for (const jobId of (killed as { jobs: string[] }).jobs) {
      const job = await e.catalog.getJob(jobId);
      assert.equal(job?.status, 'done', `job ${jobId}`);
    }
    const outputs: string[] = [];
    for await (const key of e.store.list('outputs/')) outputs.push(key);
    assert.equal(outputs.length, 2 * ids.length, outputs.join(', '));
    assert.deepEqual(await e.queue.stats(), { visible: 0, inFlight: 0, delayed: 0, dead: 0 });
  } finally {
    await supervisor.stop();
    await e.close();
    await rm(model.dir, { recursive: true, force: true });
  }
});

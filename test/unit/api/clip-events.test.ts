import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSqliteCatalog } from '../../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { createClipWatcher } from '../../../src/api/clip-events.ts';
import type { Catalog, Clip } from '../../../src/ports/catalog.ts';
import { withTempDir } from '../../helpers/temp.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withCatalog(fn: (catalog: Catalog) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const catalog = createSqliteCatalog(join(dir, 'catalog.sqlite'));
    await catalog.migrate();
    await catalog.ensureProject('p1', 'one');
    await catalog.ensureProject('p2', 'two');
    try {
      await fn(catalog);
    } finally {
      await catalog.close();
    }
  });
}

function newClip(catalog: Catalog, id: string, projectId: string): Promise<Clip> {
  return catalog.createClip({ id, projectId, studyId: null, name: `${id}.mat`, inputKey: `inputs/${id}/x.mat`, sha256: 'a'.repeat(64), size: 1, format: 'mat-v5', source: 'http', status: 'queued', createdAt: Date.now() });
}

test('after ready, each status change of the project’s clips is delivered once; other projects’ are not', async () => {
  await withCatalog(async (catalog) => {
    await newClip(catalog, 'clip_before0001', 'p1');
    const watcher = createClipWatcher(catalog, { intervalMs: 20, limit: 100 }, (err) => assert.fail(String(err)));
    const seen: string[] = [];
    let ready = false;
    const stop = watcher.subscribe('p1', { ready: () => (ready = true), change: (c) => seen.push(`${c.id}:${c.status}`) });
    while (!ready) await wait(5);
    assert.deepEqual(seen, [], 'the clips already there are the baseline, not changes');

    await newClip(catalog, 'clip_new000001', 'p1');
    await newClip(catalog, 'clip_other0001', 'p2');
    await wait(80);
    const job = await catalog.createJob({ id: 'job_0000000001', clipId: 'clip_new000001', modelName: 'm', modelVersion: '1', createdAt: Date.now() });
    await catalog.startJob(job.id, Date.now() + 1);
    await wait(80);
    await catalog.failJob(job.id, { code: 'ECHO_ERR_CINE_CORRUPT', message: 'broken' }, Date.now() + 2);
    await wait(80);
    assert.deepEqual(seen, ['clip_new000001:queued', 'clip_new000001:processing', 'clip_new000001:failed']);

    // A second subscriber of a watched project is ready at once.
    let second = false;
    const stop2 = watcher.subscribe('p1', { ready: () => (second = true), change: () => {} });
    assert.equal(second, true);
    stop();
    stop2();
    watcher.close();
  });
});

test('with nobody subscribed nothing polls', async () => {
  await withCatalog(async (catalog) => {
    let calls = 0;
    const counting = new Proxy(catalog, {
      get(target, prop, receiver) {
        if (prop === 'listClips') {
          return (...args: Parameters<Catalog['listClips']>) => {
            calls++;
            return target.listClips(...args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const watcher = createClipWatcher(counting, { intervalMs: 10, limit: 100 }, () => {});
    const stop = watcher.subscribe('p1', { ready: () => {}, change: () => {} });
    await wait(60);
    assert.ok(calls >= 3, `polled ${calls} times while subscribed`);
    stop();
    await wait(30);
    const after = calls;
    await wait(60);
    assert.equal(calls, after, 'no polling after the last subscriber left');
    watcher.close();
  });
});

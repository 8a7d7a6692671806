/**
 * The embedded catalog is one SQLite file written by several processes at once (the API appends audit
 * entries and creates clips while workers start and finish jobs). A write transaction that first reads must
 * wait for the other process's write lock, not fail with "database is locked" (which a deferred BEGIN does
 * under WAL: the job then fails and waits out a retry backoff).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSqliteCatalog } from '../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { randomId } from '../../src/util/ids.ts';
import { ROOT } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp.ts';

test('jobs start and finish while another process writes the same SQLite catalog, without "database is locked"', async () => {
  const { dir, cleanup } = await tempDir();
  const file = join(dir, 'catalog.sqlite');
  const catalog = createSqliteCatalog(file);
  try {
    await catalog.migrate();
    await catalog.ensureProject('p', 'p');
    const writer = spawn(process.execPath, [join(ROOT, 'test/helpers/catalog-writer.ts'), file, '3000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    writer.stdout.on('data', (d) => (out += d));
    writer.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => writer.once('exit', resolve));
    const until = Date.now() + 2500;
    let jobs = 0;
    while (Date.now() < until) {
      const clipId = randomId('clip');
      const now = Date.now();
      await catalog.createClip({ id: clipId, projectId: 'p', studyId: null, name: `c${jobs}.mat`, inputKey: `inputs/${clipId}/c.mat`, sha256: clipId.padEnd(64, '0').slice(0, 64), size: 1, format: 'mat-v5', source: 'cli', status: 'queued', createdAt: now });
      const job = await catalog.createJob({ id: randomId('job'), clipId, modelName: 'm', modelVersion: '1', createdAt: now });
      await catalog.startJob(job.id, Date.now());
      jobs++;
    }
    assert.equal(await exited, 0, `the other process failed: ${out}`);
    assert.ok(Number(out) > 0 && jobs > 0, `both processes wrote (audit entries: ${out.trim()}, jobs: ${jobs})`);
  } finally {
    await catalog.close();
    await cleanup();
  }
});

test('processes that open one fresh SQLite catalog at the same moment all migrate it, none fails with "already exists"', async () => {
  const { dir, cleanup } = await tempDir();
  const file = join(dir, 'catalog.sqlite');
  const module = join(ROOT, 'src/adapters/catalog/sqlite/create-sqlite-catalog.ts');
  const code = `import { createSqliteCatalog } from ${JSON.stringify(module)}; const c = createSqliteCatalog(${JSON.stringify(file)}); await c.migrate(); await c.close();`;
  try {
    // Six at once failed 1 to 3 of them before migrations ran in an immediate transaction.
    const runs = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            child.stderr.on('data', (d) => (err += d));
            child.on('exit', (status) => resolve(status === 0 ? '' : `exit ${status}: ${err.trim().split('\n').slice(0, 4).join(' | ')}`));
          }),
      ),
    );
    assert.deepEqual(runs.filter((r) => r !== ''), []);
    const catalog = createSqliteCatalog(file);
    await catalog.ensureProject('p', 'p'); // the schema is complete and usable
    await catalog.close();
  } finally {
    await cleanup();
  }
});

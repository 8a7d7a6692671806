import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isEchoError } from '../../../src/errors/catalogue.ts';
import { createUploadSessions } from '../../../src/ingest/upload-sessions.ts';
import { withTempDir } from '../../helpers/temp.ts';

const code = (c: string) => (err: unknown) => isEchoError(err) && err.code === c;

test('chunks append in order; the completed file is handed over whole and the session removed', async () => {
  await withTempDir(async (dir) => {
    const sessions = createUploadSessions({ dir, maxUploadBytes: 100, maxChunkBytes: 4, maxIdleMs: 1000 });
    const s = await sessions.create({ projectId: 'p', name: 'a.mat', size: 10 });
    let offset = 0;
    for (const part of ['abcd', 'efgh', 'ij']) offset = (await sessions.append(s.id, 'p', offset, Readable.from([Buffer.from(part)]))).offset;
    assert.equal(offset, 10);
    await assert.rejects(sessions.append(s.id, 'p', 10, Readable.from([Buffer.from('k')])), code('UPLOAD_TOO_LARGE'));
    const text = await sessions.complete(s.id, 'p', async (session, body) => {
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      return `${session.name}:${Buffer.concat(chunks).toString()}`;
    });
    assert.equal(text, 'a.mat:abcdefghij');
    assert.deepEqual(await readdir(dir), []);
  });
});

test('refusals: wrong offset, chunk over the limit (cut back), another project, early complete', async () => {
  await withTempDir(async (dir) => {
    const sessions = createUploadSessions({ dir, maxUploadBytes: 100, maxChunkBytes: 4, maxIdleMs: 1000 });
    const s = await sessions.create({ projectId: 'p', name: 'a.mat', size: 10 });
    await assert.rejects(sessions.append(s.id, 'p', 3, Readable.from([Buffer.from('ab')])), code('NOT_READY'));
    await assert.rejects(sessions.append(s.id, 'p', 0, Readable.from([Buffer.from('abcdef')])), code('UPLOAD_TOO_LARGE'));
    assert.equal((await sessions.status(s.id, 'p')).offset, 0);
    await assert.rejects(sessions.status(s.id, 'other'), code('NOT_FOUND'));
    await assert.rejects(
      sessions.complete(s.id, 'p', async () => 1),
      code('NOT_READY'),
    );
    await assert.rejects(sessions.create({ projectId: 'p', name: 'b.mat', size: 101 }), code('UPLOAD_TOO_LARGE'));
    await assert.rejects(sessions.create({ projectId: 'p', name: '../b.mat', size: 5 }), code('INVALID_NAME'));
    await assert.rejects(sessions.status('upload_../../x', 'p'), code('NOT_FOUND'));
  });
});

test('sessions idle longer than maxIdleMs are removed when the next one starts', async () => {
  await withTempDir(async (dir) => {
    let now = 1_000_000;
    const sessions = createUploadSessions({ dir, maxUploadBytes: 100, maxChunkBytes: 4, maxIdleMs: 1000, now: () => now });
    const old = await sessions.create({ projectId: 'p', name: 'old.mat', size: 5 });
    now += 1001;
    const fresh = await sessions.create({ projectId: 'p', name: 'new.mat', size: 5 });
    await assert.rejects(sessions.status(old.id, 'p'), code('NOT_FOUND'));
    assert.equal((await sessions.status(fresh.id, 'p')).offset, 0);
    assert.deepEqual((await readdir(dir)).sort(), [`${fresh.id}.json`, `${fresh.id}.part`]);
  });
});

import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { HEADER_BYTES } from '../../src/adapters/store/encrypted/format.ts';
import { openCine, openCineFromBytes } from '../../src/formats/open-cine.ts';
import { ingestFile } from '../../src/ingest/ingest-file.ts';
import { type ProcessDeps, processJob } from '../../src/pipeline/process-job.ts';
import { isObjectCreated } from '../../src/ports/job-queue.ts';
import { openModelSession } from '../../src/wiring/model.ts';
import { openEmbedded } from '../helpers/embedded.ts';
import { PHANTOM_MATS, ROOT } from '../helpers/server.ts';

const V73 = join(ROOT, 'test/fixtures/mat-v73/patient_uint8.mat');

test('the worker reads an encrypted MAT v7.3 input through a private temp copy, removed after the job', async () => {
  const e = await openEmbedded();
  const session = await openModelSession(e.config);
  try {
    const workDir = join(e.dir, 'work', 'w1');
    const seen: { mode: number; path: string }[] = [];
    const deps: ProcessDeps = {
      catalog: e.catalog,
      store: e.store,
      model: session.identity,
      // Watches what the worker hands to the reader: the decrypted copy in its job folder.
      openCine: async (path, options) => {
        seen.push({ mode: (await stat(path)).mode & 0o777, path });
        return openCine(path, options);
      },
      predict: session.predict,
      maxDecodedBytes: e.config.maxDecodedBytes,
      workDir,
    };
    assert.equal(await e.store.localPath?.('inputs/x/y.mat'), null);
    await ingestFile(e.ingest, { name: 'v73.mat', body: createReadStream(V73), source: 'cli', projectId: 'default' });
    const [message] = await e.queue.receive({ visibilitySeconds: 60, waitMs: 1000 });
    assert.ok(message && !isObjectCreated(message.body), 'a job message');
    const outcome = await processJob(deps, message.body);
    assert.equal(outcome.status, 'done', JSON.stringify(outcome));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.mode, 0o600);
    assert.ok(seen[0]!.path.startsWith(workDir));
    assert.deepEqual(await readdir(workDir), []);
  } finally {
    await session.close();
    await e.close();
  }
});

test('an encrypted MAT v5 input is read from memory: no plaintext copy is written, and the result equals the plain run', async () => {
  const e = await openEmbedded();
  const session = await openModelSession(e.config);
  try {
    const workDir = join(e.dir, 'work', 'w2');
    const calls = { file: 0, bytes: 0 };
    const deps: ProcessDeps = {
      catalog: e.catalog,
      store: e.store,
      model: session.identity,
      openCine: async (path, options) => {
        calls.file++;
        return openCine(path, options);
      },
      openCineBytes: async (bytes, options) => {
        calls.bytes++;
        return openCineFromBytes(bytes, options);
      },
      predict: session.predict,
      maxDecodedBytes: e.config.maxDecodedBytes,
      workDir,
    };
    const fixture = join(PHANTOM_MATS, 'ap4_patient.mat');
    await ingestFile(e.ingest, { name: 'ap4.mat', body: createReadStream(fixture), source: 'cli', projectId: 'default' });
    const [message] = await e.queue.receive({ visibilitySeconds: 60, waitMs: 1000 });
    assert.ok(message && !isObjectCreated(message.body), 'a job message');
    const outcome = await processJob(deps, message.body);
    assert.equal(outcome.status, 'done', JSON.stringify(outcome));
    assert.deepEqual(calls, { file: 0, bytes: 1 });
    assert.deepEqual(await readdir(workDir), []);
    // The same clip read from its plain file gives the same prediction.
    const plain = await openCine(fixture, { limits: { maxDecodedBytes: e.config.maxDecodedBytes } });
    const expected = await session.predict(plain);
    await plain.close();
    const clip = (await e.catalog.listClips({ projectId: 'default', limit: 1 }))[0]!;
    const result = await e.catalog.getResult(clip.resultId!);
    assert.equal(result?.view, expected.view);
    assert.ok(Math.abs(result!.confidence - expected.confidence) < 1e-6, `confidence ${result?.confidence} vs ${expected.confidence} (the catalog rounds to 6 places)`);
  } finally {
    await session.close();
    await e.close();
  }
});

test('a flipped byte in a stored input fails the job permanently with ECHO_ERR_INTEGRITY (no crash, no retry)', async () => {
  const e = await openEmbedded();
  const session = await openModelSession(e.config);
  try {
    const deps: ProcessDeps = { catalog: e.catalog, store: e.store, model: session.identity, openCine, predict: session.predict, maxDecodedBytes: e.config.maxDecodedBytes, workDir: join(e.dir, 'work') };
    const { clip } = await ingestFile(e.ingest, { name: 'v73.mat', body: createReadStream(V73), source: 'cli', projectId: 'default' });
    const file = join(e.dir, 'objects', clip.inputKey);
    const bytes = await readFile(file);
    bytes[HEADER_BYTES + 5000]! ^= 0x10;
    await writeFile(file, bytes);
    const [message] = await e.queue.receive({ visibilitySeconds: 60, waitMs: 1000 });
    assert.ok(message && !isObjectCreated(message.body), 'a job message');
    const outcome = await processJob(deps, message.body);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.status === 'failed' && outcome.error.code, 'INTEGRITY');
    assert.match(outcome.status === 'failed' ? outcome.error.message : '', new RegExp(clip.inputKey.replace(/[.]/g, '\\.')));
    const failed = await e.catalog.getClip(clip.id);
    assert.equal(failed?.status, 'failed');
    assert.deepEqual(await readdir(join(e.dir, 'work')), []);
  } finally {
    await session.close();
    await e.close();
  }
});

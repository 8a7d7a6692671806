import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { HEADER_BYTES } from '../../src/adapters/store/encrypted/format.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createStore } from '../../src/wiring/adapters.ts';
import { CLI, ROOT, startServer, type TestServer, uploadBytes, waitForClip } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp.ts';

const run = promisify(execFile);
const FIXTURES = [
  'test/fixtures/phantom-mat/ap4_patient.mat',
  'test/fixtures/mat-v73/patient_uint8.mat',
  'test/fixtures/dicom/real/examples_ybr_color.dcm',
  'test/fixtures/dicom/rle_mono2.dcm',
  'test/fixtures/video/grey_ffv1.mkv',
].map((p) => join(ROOT, p));
const RUN = 32;
const STRIDE = 16; // any common run of >= 32 bytes contains a fixture window starting at a multiple of 16

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every place a stored file shares a run of >= 32 bytes with a fixture (exact: candidates are extended). */
function sharedRuns(fixture: Buffer, stored: Buffer): { at: number; length: number }[] {
  const index = new Map<string, number[]>();
  for (let p = 0; p + STRIDE <= fixture.length; p += STRIDE) {
    const w = fixture.toString('latin1', p, p + STRIDE);
    const list = index.get(w);
    if (list) list.push(p);
    else index.set(w, [p]);
  }
  const found: { at: number; length: number }[] = [];
  const text = stored.toString('latin1');
  for (let s = 0; s + STRIDE <= stored.length; s++) {
    const hits = index.get(text.slice(s, s + STRIDE));
    if (!hits) continue;
    for (const p of hits) {
      let a = 0;
      while (p - a - 1 >= 0 && s - a - 1 >= 0 && fixture[p - a - 1] === stored[s - a - 1]) a++;
      let b = STRIDE;
      while (p + b < fixture.length && s + b < stored.length && fixture[p + b] === stored[s + b]) b++;
      if (a + b >= RUN) return [{ at: s - a, length: a + b }];
    }
  }
  return found;
}

describe('encryption at rest through the real server', () => {
  let server: TestServer;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  const clips: { id: string; file: string; sha256: string }[] = [];
  before(async () => {
    ({ dir: dataDir, cleanup } = await tempDir());
    server = await startServer({ dataDir });
    for (const file of FIXTURES) {
      const bytes = await readFile(file);
      const res = await uploadBytes(server, file.split('/').at(-1)!, bytes);
      assert.equal(res.status, 202, await res.clone().text());
      const clip = (await res.json()) as { id: string };
      clips.push({ id: clip.id, file, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    for (const c of clips) {
      const done = await waitForClip(server, c.id, 120_000);
      assert.equal(done.status, 'done', `${c.file}: ${JSON.stringify(done.error)}`);
    }
  });
  after(async () => {
    await server.cleanup();
    await cleanup();
  });

  test('the scanner finds a fixture run in a plain copy (it can fail)', async () => {
    const fixture = await readFile(FIXTURES[0]!);
    const planted = Buffer.concat([Buffer.alloc(1000, 7), fixture.subarray(500, 540), Buffer.alloc(10)]);
    assert.deepEqual(sharedRuns(fixture, planted), [{ at: 1000, length: 40 }]);
  });

  test('no stored file under the store directory holds a run of 32 bytes of any uploaded fixture', async () => {
    // The store directory and the workers' temp dirs (where a decrypted input may sit while a job runs).
    const objects = await filesUnder(join(dataDir, 'objects'));
    const files = [...objects, ...(await filesUnder(join(dataDir, 'work')))];
    // each clip: its input and two result files
    assert.ok(objects.length >= clips.length * 3, `only ${objects.length} stored objects`);
    for (const fixturePath of FIXTURES) {
      const fixture = await readFile(fixturePath);
      for (const f of files) {
        const runs = sharedRuns(fixture, await readFile(f));
        assert.deepEqual(runs, [], `${f} holds bytes of ${fixturePath}`);
      }
    }
    for (const f of objects) {
      const stat = (await readFile(f)).subarray(0, 7).toString('latin1');
      assert.equal(stat, 'ECHOENC', f);
    }
  });

  test('the master key file was created with mode 0600', async () => {
    const { stat } = await import('node:fs/promises');
    assert.equal((await stat(join(dataDir, 'master-key'))).mode & 0o777, 0o600);
  });

  test('one flipped byte in a stored result answers 500 ECHO_ERR_INTEGRITY and the server keeps serving', async () => {
    const c = clips[0]!;
    const res = await server.fetch(`/v1/clips/${c.id}/result`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const file = (await filesUnder(join(dataDir, 'objects', 'outputs'))).find((f) => f.includes(c.id) && f.endsWith('.json'))!;
    const bytes = await readFile(file);
    const original = Buffer.from(bytes);
    bytes[HEADER_BYTES + 30]! ^= 0x04;
    await writeFile(file, bytes);
    const bad = await server.fetch(`/v1/clips/${c.id}/result`);
    assert.equal(bad.status, 500);
    const { error } = (await bad.json()) as { error: { code: string; message: string } };
    await writeFile(file, original);
    assert.equal(error.code, 'ECHO_ERR_INTEGRITY');
    assert.match(error.message, /outputs\//);
    assert.equal((await server.fetch('/healthz')).status, 200);
    assert.equal((await server.fetch(`/v1/clips/${c.id}/result`)).status, 200);
  });

  test('keys rotate re-wraps every object in place: readable with the new key only, payloads untouched', async () => {
    await server.stop();
    const oldKey = (await readFile(join(dataDir, 'master-key'), 'utf8')).trim();
    const objectFiles = await filesUnder(join(dataDir, 'objects'));
    const payloads = new Map<string, string>();
    for (const f of objectFiles) payloads.set(f, createHash('sha256').update((await readFile(f)).subarray(HEADER_BYTES)).digest('hex'));

    const { stdout } = await run(process.execPath, [CLI, 'keys', 'rotate', '--json'], { env: { ...process.env, ECHO_CLOUD_DATA_DIR: dataDir } });
    const report = JSON.parse(stdout) as { oldKeyId: string; newKeyId: string; objects: number; rewrapped: number; retired: number };
    assert.notEqual(report.oldKeyId, report.newKeyId);
    assert.equal(report.objects, objectFiles.length);
    assert.equal(report.rewrapped, objectFiles.length);
    assert.equal(report.retired, objectFiles.length);
    const newKey = (await readFile(join(dataDir, 'master-key'), 'utf8')).trim();
    assert.notEqual(newKey, oldKey);
    assert.deepEqual((await readdir(dataDir)).filter((n) => n.startsWith('master-key')), ['master-key']);
    for (const f of objectFiles) {
      assert.equal(createHash('sha256').update((await readFile(f)).subarray(HEADER_BYTES)).digest('hex'), payloads.get(f), `payload of ${f} changed`);
    }

    const withNew = await createStore(loadConfig({ ECHO_CLOUD_DATA_DIR: dataDir, ECHO_CLOUD_MASTER_KEY: newKey }));
    const withOld = await createStore(loadConfig({ ECHO_CLOUD_DATA_DIR: dataDir, ECHO_CLOUD_MASTER_KEY: oldKey }));
    try {
      let n = 0;
      for await (const key of withNew.list('')) {
        const hash = createHash('sha256');
        for await (const chunk of await withNew.get(key)) hash.update(chunk);
        const clip = clips.find((c) => key.startsWith(`inputs/${c.id}/`));
        if (clip) assert.equal(hash.digest('hex'), clip.sha256, key);
        await assert.rejects(withOld.get(key), { code: 'KEY_UNAVAILABLE' }, key);
        n++;
      }
      assert.equal(n, objectFiles.length);
    } finally {
      await withNew.close();
      await withOld.close();
    }

    const again = await startServer({ dataDir });
    try {
      const res = await again.fetch(`/v1/clips/${clips[2]!.id}/result`);
      assert.equal(res.status, 200);
    } finally {
      await again.stop();
    }
  });
});

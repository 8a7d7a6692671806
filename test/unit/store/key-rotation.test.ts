import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { createEncryptedObjectStore } from '../../../src/adapters/store/encrypted/encrypted-object-store.ts';
import { HEADER_BYTES } from '../../../src/adapters/store/encrypted/format.ts';
import { createFsObjectStore } from '../../../src/adapters/store/fs/fs-object-store.ts';
import { rotateMasterKey } from '../../../src/security/key-rotation.ts';
import { loadKeyring, readKeyFile } from '../../../src/security/master-key.ts';
import { withTempDir } from '../../helpers/temp.ts';

async function fill(dataDir: string, envKey: string | null, n: number): Promise<Map<string, Buffer>> {
  const store = createEncryptedObjectStore(await createFsObjectStore(join(dataDir, 'objects')), await loadKeyring(dataDir, envKey));
  const written = new Map<string, Buffer>();
  for (let i = 0; i < n; i++) {
    const bytes = randomBytes(1000 + i * 70_000);
    await store.put(`inputs/c${i}/f.bin`, Readable.from([bytes]));
    written.set(`inputs/c${i}/f.bin`, bytes);
  }
  return written;
}

async function readAll(dataDir: string, envKey: string | null, keys: Iterable<string>): Promise<Map<string, Buffer | string>> {
  const store = createEncryptedObjectStore(await createFsObjectStore(join(dataDir, 'objects')), await loadKeyring(dataDir, envKey));
  const out = new Map<string, Buffer | string>();
  for (const key of keys) {
    try {
      out.set(key, await buffer(await store.get(key)));
    } catch (err) {
      out.set(key, (err as { code: string }).code);
    }
  }
  return out;
}

test('a rotation stopped by an altered object keeps the old key working; run again, it completes', async () => {
  await withTempDir(async (dataDir) => {
    const written = await fill(dataDir, null, 3);
    const oldKey = await readKeyFile(join(dataDir, 'master-key'));
    const bad = join(dataDir, 'objects', 'inputs/c1/f.bin');
    const bytes = await readFile(bad);
    bytes[45]! ^= 1; // inside the wrapped data key of slot 0
    await writeFile(bad, bytes);
    const inner = await createFsObjectStore(join(dataDir, 'objects'));
    await assert.rejects(rotateMasterKey(inner, { dataDir, envKey: null }), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'INTEGRITY');
      assert.match(err.message ?? '', /inputs\/c1\/f\.bin/);
      return true;
    });
    // the old key is still the active one; the new one waits in master-key.next (0600)
    assert.equal((await readKeyFile(join(dataDir, 'master-key')))?.id, oldKey?.id);
    assert.equal((await stat(join(dataDir, 'master-key.next'))).mode & 0o777, 0o600);
    const mid = await readAll(dataDir, null, written.keys());
    assert.deepEqual(mid.get('inputs/c0/f.bin'), written.get('inputs/c0/f.bin'));
    assert.equal(mid.get('inputs/c1/f.bin'), 'INTEGRITY');

    await inner.delete('inputs/c1/f.bin');
    written.delete('inputs/c1/f.bin');
    const report = await rotateMasterKey(inner, { dataDir, envKey: null });
    assert.equal(report.oldKeyId, oldKey?.id);
    assert.notEqual(report.newKeyId, oldKey?.id);
    assert.deepEqual((await readdir(dataDir)).filter((n) => n.startsWith('master-key')), ['master-key']);
    const after = await readAll(dataDir, null, written.keys());
    for (const [k, v] of written) assert.deepEqual(after.get(k), v);
    const withOld = await readAll(dataDir, oldKey!.key.toString('base64'), written.keys());
    for (const k of written.keys()) assert.equal(withOld.get(k), 'KEY_UNAVAILABLE');
  });
});

test('with ECHO_CLOUD_MASTER_KEY, rotate creates the new key at --new-key-file and retires the old one', async () => {
  await withTempDir(async (dataDir) => {
    const envKey = randomBytes(32).toString('hex');
    const written = await fill(dataDir, envKey, 2);
    const inner = await createFsObjectStore(join(dataDir, 'objects'));
    await assert.rejects(rotateMasterKey(inner, { dataDir, envKey }), { code: 'BAD_REQUEST' });
    const newKeyFile = join(dataDir, 'new.key');
    const before = await readFile(join(dataDir, 'objects', 'inputs/c1/f.bin'));
    const report = await rotateMasterKey(inner, { dataDir, envKey, newKeyFile });
    assert.equal((await stat(newKeyFile)).mode & 0o777, 0o600);
    const newKey = (await readFile(newKeyFile, 'utf8')).trim();
    assert.equal(report.newKeyLocation, newKeyFile);
    const afterBytes = await readFile(join(dataDir, 'objects', 'inputs/c1/f.bin'));
    assert.deepEqual(afterBytes.subarray(HEADER_BYTES), before.subarray(HEADER_BYTES));
    assert.notDeepEqual(afterBytes.subarray(0, HEADER_BYTES), before.subarray(0, HEADER_BYTES));
    for (const [k, v] of await readAll(dataDir, newKey, written.keys())) assert.deepEqual(v, written.get(k));
    for (const v of (await readAll(dataDir, envKey, written.keys())).values()) assert.equal(v, 'KEY_UNAVAILABLE');
    // running it again changes nothing
    const again = await rotateMasterKey(inner, { dataDir, envKey: newKey, newKeyFile });
    assert.equal(again.added.changed + again.dropped.changed, 0);
  });
});

test('a malformed ECHO_CLOUD_MASTER_KEY is a coded configuration error naming the variable', async () => {
  await withTempDir(async (dataDir) => {
    await assert.rejects(loadKeyring(dataDir, 'not-a-key'), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.match(err.message ?? '', /ECHO_CLOUD_MASTER_KEY/);
      assert.doesNotMatch(err.message ?? '', /not-a-key/);
      return true;
    });
  });
});

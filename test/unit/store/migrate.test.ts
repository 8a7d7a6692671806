import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createFsObjectStore } from '../../../src/adapters/store/fs/fs-object-store.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createStore } from '../../../src/wiring/adapters.ts';
import { CLI } from '../../helpers/server.ts';
import { withTempDir } from '../../helpers/temp.ts';

const run = promisify(execFile);

test('a store written without encryption stops start-up with a coded hint; keys migrate encrypts it in place', async () => {
  await withTempDir(async (dataDir) => {
    const plain = await createFsObjectStore(join(dataDir, 'objects'));
    const objects = new Map([
      ['inputs/c1/a.mat', randomBytes(200_000)],
      ['outputs/c1/a.json', Buffer.from('{"v":1}')],
    ]);
    for (const [k, v] of objects) await plain.put(k, Readable.from([v]));
    const env = { ECHO_CLOUD_DATA_DIR: dataDir };
    await assert.rejects(createStore(loadConfig(env)), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.match(err.message ?? '', /keys migrate/);
      return true;
    });
    // plain mode still reads them
    const off = await createStore(loadConfig({ ...env, ECHO_CLOUD_ENCRYPTION: 'off' }));
    assert.deepEqual(await buffer(await off.get('inputs/c1/a.mat')), objects.get('inputs/c1/a.mat'));

    const { stdout } = await run(process.execPath, [CLI, 'keys', 'migrate', '--json'], { env: { ...process.env, ...env } });
    assert.equal(JSON.parse(stdout).encrypted, 2);
    for (const k of objects.keys()) assert.equal((await readFile(join(dataDir, 'objects', k))).subarray(0, 7).toString(), 'ECHOENC');
    const store = await createStore(loadConfig(env));
    for (const [k, v] of objects) assert.deepEqual(await buffer(await store.get(k)), v);
    const again = await run(process.execPath, [CLI, 'keys', 'migrate', '--json'], { env: { ...process.env, ...env } });
    assert.equal(JSON.parse(again.stdout).encrypted, 0);
    // now encrypted: turning encryption off is refused rather than serving ciphertext
    await assert.rejects(createStore(loadConfig({ ...env, ECHO_CLOUD_ENCRYPTION: 'off' })), { code: 'CONFIG_INVALID' });
  });
});

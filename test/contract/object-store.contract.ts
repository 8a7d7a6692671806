import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { ObjectStore } from '../../src/ports/object-store.ts';
import { readObject } from '../../src/util/read-object.ts';

async function* chunks(n: number, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < n; i++) yield new Uint8Array(size).fill(i % 251);
}

/** The ObjectStore contract, run against every adapter. */
export function objectStoreContract(name: string, make: () => Promise<{ store: ObjectStore; cleanup: () => Promise<void>; rawFiles?: () => Promise<string[]> }>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let cleanup: () => Promise<void>;
    let rawFiles: (() => Promise<string[]>) | undefined;
    before(async () => {
      ({ store, cleanup, rawFiles } = await make());
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    test('put streams, returns size and sha256, and get returns the same bytes', async () => {
      const expected = createHash('sha256');
      for await (const c of chunks(64, 65536)) expected.update(c);
      const put = await store.put('inputs/x/big.bin', chunks(64, 65536));
      assert.equal(put.size, 64 * 65536);
      assert.equal(put.sha256, expected.digest('hex'));
      const back = createHash('sha256');
      for await (const c of await store.get('inputs/x/big.bin')) back.update(c);
      assert.equal(back.digest('hex'), put.sha256);
      assert.deepEqual(await store.head('inputs/x/big.bin'), { key: 'inputs/x/big.bin', size: 64 * 65536 });
    });

    test('readObject (getBytes where the adapter has it) returns the whole object, refuses one over the limit, and NOT_FOUND', async () => {
      const body = Buffer.concat([randomBytes(3 * 65536 + 17)]);
      await store.put('inputs/x/whole.bin', Readable.from([body]));
      assert.deepEqual(Buffer.from(await readObject(store, 'inputs/x/whole.bin', body.length)), body);
      await assert.rejects(readObject(store, 'inputs/x/whole.bin', body.length - 1), (err: { code?: string; message?: string }) => {
        assert.equal(err.code, 'STORE_FAILED');
        assert.match(err.message ?? '', /inputs\/x\/whole\.bin.*over the \d+-byte limit/);
        return true;
      });
      await assert.rejects(readObject(store, 'inputs/none', 100), { code: 'NOT_FOUND' });
      await store.put('inputs/x/empty.bin', Readable.from([]));
      assert.equal((await readObject(store, 'inputs/x/empty.bin', 0)).length, 0);
    });

    test('skipSha256: the bytes are stored the same and no hash is returned', async () => {
      const put = await store.put('outputs/h/unhashed.bin', Readable.from([Buffer.from('abc')]), { skipSha256: true });
      assert.deepEqual(put, { key: 'outputs/h/unhashed.bin', size: 3, sha256: null });
      assert.equal(await text(await store.get('outputs/h/unhashed.bin')), 'abc');
    });

    test('put replaces atomically and list is ordered', async () => {
      await store.put('outputs/a/r.json', Readable.from(['{"v":1}']));
      await store.put('outputs/a/r.json', Readable.from(['{"v":2}']));
      assert.equal(await text(await store.get('outputs/a/r.json')), '{"v":2}');
      await store.put('outputs/a/b.csv', Readable.from(['x']));
      const keys: string[] = [];
      for await (const k of store.list('outputs/a/')) keys.push(k);
      assert.deepEqual(keys, ['outputs/a/b.csv', 'outputs/a/r.json']);
    });

    test('string chunks are stored as UTF-8 and counted in bytes', async () => {
      const put = await store.put('outputs/a/utf8.txt', Readable.from(['é', 'x']));
      assert.equal(put.size, 3);
      assert.equal(put.sha256, createHash('sha256').update('éx').digest('hex'));
      assert.equal(await text(await store.get('outputs/a/utf8.txt')), 'éx');
    });

    test('over maxBytes rejects UPLOAD_TOO_LARGE and leaves nothing behind', async () => {
      await assert.rejects(store.put('inputs/x/too-big.bin', chunks(10, 1000), { maxBytes: 5000 }), { code: 'UPLOAD_TOO_LARGE' });
      assert.equal(await store.head('inputs/x/too-big.bin'), null);
      if (rawFiles) assert.ok(!(await rawFiles()).some((f) => f.includes('too-big')));
    });

    test('a failing body stream leaves nothing behind', async () => {
      async function* broken(): AsyncIterable<Uint8Array> {
        yield new Uint8Array(10);
        throw new Error('client went away');
      }
      await assert.rejects(store.put('inputs/x/broken.bin', broken()), { code: 'STORE_FAILED' });
      assert.equal(await store.head('inputs/x/broken.bin'), null);
    });

    test('bad keys are refused with INVALID_KEY', async () => {
      for (const key of ['', '/etc/passwd', '../escape', 'inputs/../../x', 'inputs//x', 'inputs/./x', 'a\\b', 'a\u0000b', 'a\nb', 'x'.repeat(1100)]) {
        await assert.rejects(store.put(key, Readable.from(['x'])), { code: 'INVALID_KEY' }, JSON.stringify(key));
        await assert.rejects(store.get(key), { code: 'INVALID_KEY' });
      }
    });

    test('get of a missing key is NOT_FOUND; delete of a missing key is fine', async () => {
      await assert.rejects(store.get('inputs/none'), { code: 'NOT_FOUND' });
      assert.equal(await store.head('inputs/none'), null);
      await store.delete('inputs/none');
      await store.put('inputs/gone', Readable.from(['x']));
      await store.delete('inputs/gone');
      assert.equal(await store.head('inputs/gone'), null);
    });
  });
}

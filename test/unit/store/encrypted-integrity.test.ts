import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createEncryptedObjectStore } from '../../../src/adapters/store/encrypted/encrypted-object-store.ts';
import { HEADER_BYTES, SEGMENT_BYTES, TAG_BYTES } from '../../../src/adapters/store/encrypted/format.ts';
import { keyring, masterKey } from '../../../src/adapters/store/encrypted/keyring.ts';
import { createFsObjectStore } from '../../../src/adapters/store/fs/fs-object-store.ts';
import type { ObjectStore } from '../../../src/ports/object-store.ts';
import { tempDir } from '../../helpers/temp.ts';

const SEALED = SEGMENT_BYTES + TAG_BYTES;

/**
 * Reads an object whole, returning the plaintext released before any error, and the error. The one-read
 * path (`getBytes`) is checked on the way: it returns every byte or fails with the same code and
 * message, releasing nothing.
 */
async function drain(store: ObjectStore, key: string): Promise<{ bytes: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  let result: { bytes: Buffer; error: unknown };
  try {
    for await (const c of await store.get(key)) parts.push(c as Buffer);
    result = { bytes: Buffer.concat(parts), error: null };
  } catch (error) {
    result = { bytes: Buffer.concat(parts), error };
  }
  const whole = await store.getBytes!(key, 1 << 30).then(
    (bytes) => ({ bytes: Buffer.from(bytes), error: null }),
    (error: unknown) => ({ bytes: null, error }),
  );
  if (result.error === null) assert.deepEqual(whole, result);
  else assert.equal((whole.error as { code?: string } | null)?.code, (result.error as { code?: string }).code, 'getBytes fails as get does');
  return result;
}

describe('encrypted store: tampering is detected on read', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let store: ObjectStore;
  const plain = randomBytes(3 * SEGMENT_BYTES + 1000); // 4 segments, the last one short
  const key = 'inputs/c/x.bin';
  const file = () => join(root, key);
  let pristine: Buffer;

  before(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    root = join(t.dir, 'objects');
    store = createEncryptedObjectStore(await createFsObjectStore(root), keyring(masterKey(randomBytes(32))));
  });
  after(async () => {
    await store.close();
    await cleanup();
  });

  async function fresh(): Promise<Buffer> {
    await store.put(key, Readable.from([plain]));
    pristine = await readFile(file());
    return Buffer.from(pristine);
  }

  test('an untouched object reads back; the stored bytes are the plaintext size plus header and tags', async () => {
    await fresh();
    assert.equal(pristine.length, HEADER_BYTES + plain.length + 4 * TAG_BYTES);
    assert.deepEqual((await drain(store, key)).bytes, plain);
    assert.deepEqual(await store.head(key), { key, size: plain.length });
  });

  for (const [what, offset] of [
    ['the fixed header', 9],
    ['the wrapped data key', 20 + 8 + 12 + 3],
    ['the first segment', HEADER_BYTES + 5],
    ['a tag', HEADER_BYTES + SEALED - 1],
  ] as const) {
    test(`one flipped byte in ${what} fails get() with ECHO_ERR_INTEGRITY before any plaintext`, async () => {
      const bytes = await fresh();
      bytes[offset]! ^= 0x01;
      await writeFile(file(), bytes);
      for (const read of [() => store.get(key), () => store.getBytes!(key, 1 << 30)]) {
        await assert.rejects(read(), (err: { code?: string; message?: string }) => {
          assert.equal(err.code, 'INTEGRITY');
          assert.match(err.message ?? '', new RegExp(key.replace(/\//g, '\\/')));
          return true;
        });
      }
    });
  }

  test('a flipped byte in segment 2 releases exactly the plaintext of segments 0 and 1, then ECHO_ERR_INTEGRITY', async () => {
    const bytes = await fresh();
    bytes[HEADER_BYTES + 2 * SEALED + 100]! ^= 0x80;
    await writeFile(file(), bytes);
    const { bytes: got, error } = await drain(store, key);
    assert.equal((error as { code?: string }).code, 'INTEGRITY');
    assert.match((error as Error).message, /segment 2/);
    assert.deepEqual(got, plain.subarray(0, 2 * SEGMENT_BYTES));
  });

  test('truncation at a segment boundary, inside a segment and inside the header is detected', async () => {
    for (const length of [HEADER_BYTES + 3 * SEALED, HEADER_BYTES + 2 * SEALED + 7, HEADER_BYTES + SEALED, HEADER_BYTES + 10, 50]) {
      await fresh();
      await truncate(file(), length);
      const { bytes: got, error } = await drain(store, key);
      assert.equal((error as { code?: string })?.code, 'INTEGRITY', `truncated to ${length}`);
      assert.ok(got.length < plain.length);
    }
  });

  test('two swapped segments and an appended copy of a segment are detected', async () => {
    const bytes = await fresh();
    const s1 = bytes.subarray(HEADER_BYTES + SEALED, HEADER_BYTES + 2 * SEALED);
    const s2 = bytes.subarray(HEADER_BYTES + 2 * SEALED, HEADER_BYTES + 3 * SEALED);
    const swapped = Buffer.concat([bytes.subarray(0, HEADER_BYTES + SEALED), s2, s1, bytes.subarray(HEADER_BYTES + 3 * SEALED)]);
    await writeFile(file(), swapped);
    const a = await drain(store, key);
    assert.equal((a.error as { code?: string }).code, 'INTEGRITY');
    assert.deepEqual(a.bytes, plain.subarray(0, SEGMENT_BYTES));

    await writeFile(file(), Buffer.concat([pristine, pristine.subarray(HEADER_BYTES, HEADER_BYTES + SEALED)]));
    assert.equal(((await drain(store, key)).error as { code?: string }).code, 'INTEGRITY');
  });

  test('a segment moved in from another object (same key) is detected', async () => {
    const other = await fresh();
    const before = Buffer.from(other);
    await fresh();
    const mixed = Buffer.concat([pristine.subarray(0, HEADER_BYTES + SEALED), before.subarray(HEADER_BYTES + SEALED)]);
    await writeFile(file(), mixed);
    assert.equal(((await drain(store, key)).error as { code?: string }).code, 'INTEGRITY');
  });

  test('a plaintext file put under the store is refused, not served', async () => {
    await writeFile(file(), plain);
    await assert.rejects(store.get(key), { code: 'INTEGRITY' });
    await assert.rejects(store.getBytes!(key, 1 << 30), { code: 'INTEGRITY' });
  });

  test('objects of 0, 1, exactly one and exactly two segments round-trip and refuse an extra empty segment', async () => {
    for (const n of [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 2 * SEGMENT_BYTES]) {
      const p = randomBytes(n);
      const put = await store.put('outputs/n.bin', Readable.from([p]));
      assert.equal(put.size, n);
      assert.deepEqual((await drain(store, 'outputs/n.bin')).bytes, p, `size ${n}`);
      assert.equal((await store.head('outputs/n.bin'))?.size, n);
    }
  });

  test('an object encrypted under a key this store lacks is ECHO_ERR_KEY_UNAVAILABLE naming both key ids', async () => {
    await fresh();
    const otherRing = keyring(masterKey(randomBytes(32)));
    const stranger = createEncryptedObjectStore(await createFsObjectStore(root), otherRing);
    for (const read of [() => stranger.get(key), () => stranger.getBytes!(key, 1 << 30)]) {
      await assert.rejects(read(), (err: { code?: string; message?: string }) => {
        assert.equal(err.code, 'KEY_UNAVAILABLE');
        assert.ok(err.message?.includes(otherRing.active.id));
        return true;
      });
    }
  });
});

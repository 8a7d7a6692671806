import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bufferPool } from '../../../src/util/buffer-pool.ts';

test('the buffer pool hands back a spare of the exact size, once, and keeps only the most recent few', () => {
  const pool = bufferPool(2);
  const [a, b, c] = [new ArrayBuffer(8), new ArrayBuffer(16), new ArrayBuffer(8)];
  pool.give([a]);
  pool.give([b, c]);
  // a was dropped (three given, two kept): the 8-byte spare is c.
  assert.equal(pool.take(8), c);
  assert.notEqual(pool.take(8), a);
  assert.equal(pool.take(16), b);
  const fresh = pool.take(16);
  assert.notEqual(fresh, b);
  assert.equal(fresh.byteLength, 16);
});

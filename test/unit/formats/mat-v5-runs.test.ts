/**
 * An uncompressed MAT cine read from a file refills one buffer run after run: frames asked for in order,
 * out of order, or all at once must still each be their own, right values.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { matV5Reader } from '../../../src/formats/mat-v5/reader.ts';
import { openCineWith } from '../../../src/formats/open-cine.ts';

const FILE = join(fileURLToPath(new URL('../../fixtures/mat/', import.meta.url)), 'patient_uint8_raw.mat');
const LIMITS = { maxDecodedBytes: 64 * 1024 * 1024 };

async function frames(order: number[], together: boolean): Promise<Uint8Array[]> {
  const cine = await openCineWith(matV5Reader, FILE, { limits: LIMITS });
  try {
    assert.equal(cine.metadata.compressed, false);
    const out: Uint8Array[] = [];
    if (together) {
      const got = await Promise.all(order.map((i) => cine.frame(i)));
      for (const [k, i] of order.entries()) out[i] = got[k] as Uint8Array;
    } else {
      for (const i of order) out[i] = (await cine.frame(i)) as Uint8Array;
    }
    return out;
  } finally {
    await cine.close();
  }
}

test('frames read in order, out of order and all at once are the same, each in a buffer of its own', async () => {
  const expected = await frames([0, 1, 2, 3, 4, 5], false);
  assert.equal(expected.length, 6);
  assert.equal(new Set(expected.map((f) => f.buffer)).size, 6);
  for (const [order, together] of [
    [[5, 4, 3, 2, 1, 0], false],
    [[0, 1, 2, 3, 4, 5], true],
    [[3, 0, 5, 1, 4, 2, 3], true],
  ] as const) {
    const got = await frames([...order], together);
    for (let i = 0; i < 6; i++) assert.deepEqual(got[i], expected[i], `frame ${i} of ${order.join(',')}${together ? ' (together)' : ''}`);
  }
  // Not all equal to each other: the check above compares real, different frames.
  assert.notDeepEqual(expected[0], expected[5]);
});

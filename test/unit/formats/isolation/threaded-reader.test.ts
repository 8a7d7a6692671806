import assert from 'node:assert/strict';
import { test } from 'node:test';
import { threadedReader } from '../../../../src/formats/isolation/threaded-reader.ts';
import { matV73Reader } from '../../../../src/formats/mat-v73/reader.ts';
import { openCineWith } from '../../../../src/formats/open-cine.ts';

const FIX = (p: string) => new URL(`../../../fixtures/${p}`, import.meta.url).pathname;
const threaded = threadedReader(matV73Reader, new URL('../../../../src/formats/mat-v73/reader.ts', import.meta.url).href, 'matV73Reader', {
  openTimeoutMs: 2000,
  frameTimeoutMs: 2000,
});
const LIMITS = { limits: { maxDecodedBytes: 64 * 1024 * 1024 } };

test('a file that sends HDF5 into an endless loop is stopped with CINE_CORRUPT within the limit', async () => {
  const t0 = Date.now();
  await assert.rejects(openCineWith(threaded, FIX('regressions/mat-v73-hdf5-loop.mat'), LIMITS), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CINE_CORRUPT');
    assert.match(err.message, /mat-v73-hdf5-loop\.mat.*took longer than 2 s and was stopped/);
    return true;
  });
  assert.ok(Date.now() - t0 < 10_000);
});

test('through the thread, a cine reads exactly as in-process, and reader errors keep their codes', async () => {
  const path = FIX('mat-v73/patient_uint8.mat');
  const direct = await openCineWith(matV73Reader, path, LIMITS);
  const viaThread = await openCineWith(threaded, path, LIMITS);
  try {
    for (const k of ['format', 'frames', 'height', 'width', 'channels', 'fps'] as const) assert.deepEqual(viaThread[k], direct[k], k);
    for (let i = 0; i < direct.frames; i++) assert.deepEqual(await viaThread.frame(i), await direct.frame(i));
    await assert.rejects(viaThread.frame(direct.frames + 5), (e: Error & { code?: string }) => e.code === 'BAD_REQUEST');
  } finally {
    await direct.close();
    await viaThread.close();
  }
  await assert.rejects(viaThread.frame(0), (e: Error & { code?: string }) => e.code === 'BAD_REQUEST');
  await assert.rejects(openCineWith(threaded, FIX('mat-v73/no_cine.mat'), LIMITS), (e: Error & { code?: string }) => e.code === 'CINE_NO_VARIABLE');
});

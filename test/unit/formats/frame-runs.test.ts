/**
 * Frames stored end to end are read in growing runs while asked for in order, one at a time otherwise,
 * never more than the run limit at once, and always the right bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameRuns } from '../../../src/formats/frame-runs.ts';

const FRAME = 10;
const FRAMES = 40;
const START = 7;
const file = Uint8Array.from({ length: START + FRAME * FRAMES + 5 }, (_, i) => (i * 31 + 7) & 255);

function recorder(maxRunBytes: number, handOut = false) {
  const reads: { first: number; count: number; length: number }[] = [];
  const runs = frameRuns(
    async (offset, length, first, count) => {
      reads.push({ first, count, length });
      assert.equal(offset, START + first * FRAME);
      return file.slice(offset, offset + length);
    },
    START,
    FRAME,
    FRAMES,
    { maxRunBytes, handOut },
  );
  return { runs, reads };
}

const expected = (i: number) => file.subarray(START + i * FRAME, START + (i + 1) * FRAME);

test('frames read in order come from a few runs that double in size up to the limit', async () => {
  const { runs, reads } = recorder(8 * FRAME);
  for (let i = 0; i < FRAMES; i++) assert.deepEqual(await runs.frame(i), expected(i));
  assert.deepEqual(reads.map((r) => r.count), [1, 2, 4, 8, 8, 8, 8, 1]);
  assert.ok(reads.every((r) => r.length <= 8 * FRAME && r.length === r.count * FRAME));
});

test('sampled, backwards and repeated access read only the frame asked for (or reuse the run held)', async () => {
  const { runs, reads } = recorder(1 << 20);
  for (const i of [0, 2, 4, 39, 10, 9, 9]) assert.deepEqual(await runs.frame(i), expected(i));
  assert.deepEqual(reads.map((r) => [r.first, r.count]), [[0, 1], [2, 1], [4, 1], [39, 1], [10, 1], [9, 1]]);
  // In order again (9, 10, ...): the run grows from there and stops at the last frame.
  for (let i = 10; i < FRAMES; i++) assert.deepEqual(await runs.frame(i), expected(i));
  assert.deepEqual(reads.slice(6).map((r) => [r.first, r.count]), [[10, 2], [12, 4], [16, 8], [24, 16]]);
});

test('a limit below one frame still reads whole frames, one at a time', async () => {
  const { runs, reads } = recorder(3);
  for (let i = 0; i < 5; i++) assert.deepEqual(await runs.frame(i), expected(i));
  assert.deepEqual(reads.map((r) => r.count), [1, 1, 1, 1, 1]);
});

test('handed out, each frame of a run is given once as its own region; asked again, it is read again', async () => {
  const { runs, reads } = recorder(1 << 20, true);
  const got: Uint8Array[] = [];
  for (let i = 0; i < 7; i++) got.push(await runs.frame(i)); // runs of 1, 2, 4
  got[1]!.fill(0); // the caller owns its frame: changing it touches no other frame
  assert.deepEqual(await runs.frame(2), expected(2), 'frame 2, again, read afresh');
  assert.deepEqual(got[2], expected(2));
  assert.deepEqual(got[3], expected(3));
  assert.deepEqual(reads.map((r) => [r.first, r.count]), [[0, 1], [1, 2], [3, 4], [2, 1]]);
  for (let i = 3; i < 7; i++) assert.equal(got[i]!.buffer, got[3]!.buffer, 'one run, one buffer');
  assert.deepEqual(got.slice(3).map((f) => f.byteOffset), [0, FRAME, 2 * FRAME, 3 * FRAME]);
});

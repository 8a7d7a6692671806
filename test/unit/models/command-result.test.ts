/**
 * The output side of the command file contract: result.json checking (src/adapters/runtime/command/
 * read-result.ts) in both forms, per frame and per clip, and each way a result can be wrong.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResult, SUM_TOLERANCE } from '../../../src/adapters/runtime/command/index.ts';
import type { ResultExpectation } from '../../../src/adapters/runtime/command/read-result.ts';
import { isEchoError } from '../../../src/errors/catalogue.ts';
import { aggregateClip, softmax } from '../../../src/models/aggregate.ts';

const LABELS = ['A', 'B', 'C'];
const given: ResultExpectation = { who: 'model m@1.0.0', labels: LABELS, indices: [0, 3, 6], sourceFrames: 8 };

function invalid(result: unknown, field: string, pattern: RegExp, expect = given): void {
  assert.throws(
    () => checkResult(result, expect),
    (e: unknown) => {
      assert.ok(isEchoError(e, 'INFERENCE_FAILED'), `expected INFERENCE_FAILED, got ${String(e)}`);
      assert.match(e.message, /^model m@1\.0\.0: result\.json /);
      if (field) assert.ok(e.message.includes(`field "${field}"`), `message should name ${field}: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

const frames = (rows: unknown[]) => ({ frames: rows });
const p = (a: number, b: number, c: number, quality = 0.5) => ({ probabilities: [a, b, c], quality });

test('per-frame probabilities and logits are aggregated by core aggregateClip, in the frames given', () => {
  const logits = [2, -1, 0.5];
  const result = checkResult(frames([p(0.2, 0.7, 0.1, 0.4), { logits, quality: 0.8, index: 3 }, p(0.1, 0.8, 0.1, 0.6)]), given);
  const expected = aggregateClip(LABELS, [0, 3, 6], [Float64Array.from([0.2, 0.7, 0.1]), softmax(logits), Float64Array.from([0.1, 0.8, 0.1])], [0.4, 0.8, 0.6]);
  assert.deepEqual(result, expected);
  assert.equal(result.view, 'B');
  assert.deepEqual(
    result.frames.map((f) => [f.index, f.view]),
    [
      [0, 'B'],
      [3, 'A'],
      [6, 'B'],
    ],
  );
  // A "labels" field equal to the manifest's is accepted; rounding within the tolerance too.
  const rounded = checkResult({ labels: LABELS, frames: [p(0.3334, 0.3333, 0.3334), p(0, 1, 0), p(0, 0, 1)] }, given);
  assert.equal(rounded.frames.length, 3);
});

test('original mode: frame indices are optional, bounded by the cine and increasing', () => {
  const original: ResultExpectation = { ...given, indices: null };
  const r = checkResult(frames([p(1, 0, 0), p(0, 1, 0)]), original);
  assert.deepEqual(
    r.frames.map((f) => f.index),
    [0, 1],
  );
  const indexed = checkResult(frames([{ ...p(1, 0, 0), index: 2 }, { ...p(1, 0, 0), index: 7 }]), original);
  assert.deepEqual(
    indexed.frames.map((f) => f.index),
    [2, 7],
  );
  invalid(frames([{ ...p(1, 0, 0), index: 8 }]), 'frames[0].index', /the cine has frames 0\.\.7/, original);
  invalid(frames([{ ...p(1, 0, 0), index: 4 }, { ...p(1, 0, 0), index: 4 }]), 'frames[1].index', /must increase/, original);
  invalid(frames(Array(9).fill(p(1, 0, 0))), 'frames', /9 entries but the cine has 8 frames/, original);
});

test('a clip-level answer is checked and passed through with no frame rows', () => {
  const clip = { view: 'C', confidence: 0.6, probabilities: { A: 0.1, B: 0.3, C: 0.6 }, quality_mean: 0.7, quality_std: 0.05 };
  const r = checkResult(clip, given);
  assert.deepEqual(r, { ...clip, frames: [] });
  assert.deepEqual(Object.keys(checkResult({ ...clip, probabilities: { C: 0.6, A: 0.1, B: 0.3 } }, given).probabilities), LABELS, 'manifest order');
  invalid({ ...clip, view: 'D' }, 'view', /one of the manifest's labels \(A, B, C\), got string "D"/);
  invalid({ ...clip, view: 'B', confidence: 0.3 }, 'view', /"B" \(0\.3\) but "C" is more probable \(0\.6\)/);
  invalid({ ...clip, confidence: 0.5 }, 'confidence', /is 0\.5 but probabilities\.C is 0\.6/);
  invalid({ ...clip, probabilities: { A: 0.1, C: 0.9 } }, 'probabilities.B', /is missing/);
  invalid({ ...clip, probabilities: { ...clip.probabilities, D: 0 } }, 'probabilities.D', /not one of the manifest's labels/);
  invalid({ ...clip, probabilities: { A: 0.2, B: 0.3, C: 0.6 } }, 'probabilities', /sums to 1\.1/);
  invalid({ ...clip, probabilities: { A: -0.1, B: 0.5, C: 0.6 } }, 'probabilities.A', /a probability must be in \[0, 1\]/);
  invalid({ ...clip, quality_mean: 1.5 }, 'quality_mean', /\[0, 1\], got 1\.5/);
  invalid({ ...clip, quality_std: -0.1 }, 'quality_std', /\[0, 0\.5\]/);
  invalid({ view: 'C', confidence: 0.6 }, 'probabilities', /is missing/);
  invalid({ ...clip, frames: [] }, 'frames', /not a known field here/);
});

test('per-frame results that break the contract name the field', () => {
  invalid([], '', /must be a JSON object, got an array of 0/);
  invalid({ rows: [] }, '', /either "frames" .* or "view"/);
  invalid({ frames: [], extra: 1 }, 'extra', /not a known field here; accepted: frames, labels/);
  invalid({ labels: ['A', 'C', 'B'], frames: [] }, 'labels', /in order \(A, B, C\)/);
  invalid(frames([]), 'frames', /non-empty array/);
  invalid(frames([p(1, 0, 0), p(1, 0, 0)]), 'frames', /has 2 entries; the program was given 3 frames/);
  invalid(frames([p(1, 0, 0), 'x', p(1, 0, 0)]), 'frames[1]', /must be an object, got string "x"/);
  invalid(frames([p(1, 0, 0), { quality: 0.5 }, p(1, 0, 0)]), 'frames[1]', /exactly one of "probabilities" and "logits"/);
  invalid(frames([p(1, 0, 0), { ...p(1, 0, 0), logits: [1, 2, 3] }, p(1, 0, 0)]), 'frames[1]', /exactly one/);
  invalid(frames([p(1, 0, 0), { logits: [1, 2], quality: 0.5 }, p(1, 0, 0)]), 'frames[1].logits', /array of 3 numbers \(one per manifest label\), got 2 entries/);
  invalid(frames([p(1, 0, 0), { logits: [1, null, 2], quality: 0.5 }, p(1, 0, 0)]), 'frames[1].logits[1]', /finite number, got null/);
  invalid(frames([p(1, 0, 0), p(0.5, 0.5, 0.5), p(1, 0, 0)]), 'frames[1].probabilities', new RegExp(`sums to 1\\.5; probabilities must sum to 1 ± ${SUM_TOLERANCE}`));
  invalid(frames([p(1, 0, 0), p(1, 0, 0, 2), p(1, 0, 0)]), 'frames[1].quality', /\[0, 1\], got 2/);
  invalid(frames([p(1, 0, 0), { ...p(1, 0, 0), index: 4 }, p(1, 0, 0)]), 'frames[1].index', /is 4; row 1 of cine\.npy is source frame 3/);
  invalid(frames([p(1, 0, 0), { ...p(1, 0, 0), score: 1 }, p(1, 0, 0)]), 'frames[1].score', /not a known field/);
});

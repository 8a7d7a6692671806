import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateClip, argmax, mean, populationStd, softmax } from '../../../src/models/aggregate.ts';

function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} vs ${expected}`);
}

test('softmax of [0, ln 2, ln 3] is [1/6, 2/6, 3/6], and it is stable for huge logits', () => {
  const p = softmax([0, Math.log(2), Math.log(3)]);
  close(p[0]!, 1 / 6);
  close(p[1]!, 2 / 6);
  close(p[2]!, 3 / 6);
  const big = softmax(Float32Array.from([1000, 1000, -1000]));
  close(big[0]!, 0.5);
  close(big[1]!, 0.5);
  close(big[2]!, 0);
});

test('argmax takes the first maximum; mean and population std', () => {
  assert.equal(argmax([0.1, 0.4, 0.4, 0.1]), 1);
  assert.equal(argmax([3]), 0);
  close(mean([1, 2, 3, 4]), 2.5);
  // Population std of the textbook example is exactly 2 (the sample std would be 2.138...).
  close(populationStd([2, 4, 4, 4, 5, 5, 7, 9]), 2);
  close(populationStd([0.5]), 0);
});

test('the clip prediction is the argmax of the mean probabilities; quality mean and population std', () => {
  const labels = ['A', 'B', 'C'];
  const clip = aggregateClip(
    labels,
    [0, 2, 4],
    [Float64Array.from([0.6, 0.3, 0.1]), Float64Array.from([0.2, 0.7, 0.1]), Float64Array.from([0.1, 0.5, 0.4])],
    [0.5, 0.9, 0.7],
  );
  // Mean: A 0.3, B 0.5, C 0.2.
  assert.equal(clip.view, 'B');
  close(clip.confidence, 0.5);
  close(clip.probabilities.A!, 0.3);
  close(clip.probabilities.B!, 0.5);
  close(clip.probabilities.C!, 0.2);
  close(clip.quality_mean, 0.7);
  close(clip.quality_std, Math.sqrt((0.04 + 0.04 + 0) / 3));
  assert.deepEqual(
    clip.frames.map((f) => [f.index, f.view, f.quality]),
    [
      [0, 'A', 0.5],
      [2, 'B', 0.9],
      [4, 'B', 0.7],
    ],
  );
  close(clip.frames[0]!.confidence, 0.6);
  close(clip.frames[2]!.confidence, 0.5);
});

test('a frame-level majority does not decide: the mean probability does', () => {
  // Two frames weakly say A, one strongly says B: mean A = (0.4 + 0.4 + 0) / 3, B = (0.35 + 0.35 + 1) / 3.
  const clip = aggregateClip(
    ['A', 'B', 'C'],
    [0, 1, 2],
    [Float64Array.from([0.4, 0.35, 0.25]), Float64Array.from([0.4, 0.35, 0.25]), Float64Array.from([0, 1, 0])],
    [0.1, 0.1, 0.1],
  );
  assert.equal(clip.view, 'B');
  close(clip.confidence, 1.7 / 3);
  close(clip.quality_std, 0, 1e-15);
});

test('mismatched inputs are rejected', () => {
  assert.throws(() => aggregateClip(['A', 'B'], [], [], []), RangeError);
  assert.throws(() => aggregateClip(['A', 'B'], [0], [Float64Array.from([1, 0, 0])], [0.5]), /3 probabilities for 2 labels/);
  assert.throws(() => aggregateClip(['A', 'B'], [0, 1], [Float64Array.from([1, 0])], [0.5]), RangeError);
});

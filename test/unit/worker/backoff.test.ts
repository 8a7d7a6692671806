import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelaySeconds } from '../../../src/worker/backoff.ts';

test('retry delay doubles per delivery within ±25 % and is capped', () => {
  const mid = () => 0.5;
  assert.equal(retryDelaySeconds(1, 2, 300, mid), 2);
  assert.equal(retryDelaySeconds(2, 2, 300, mid), 4);
  assert.equal(retryDelaySeconds(4, 2, 300, mid), 16);
  assert.equal(retryDelaySeconds(20, 2, 300, mid), 300);
  assert.equal(retryDelaySeconds(3, 2, 300, () => 0), 6);
  assert.equal(retryDelaySeconds(3, 2, 300, () => 1), 10);
  assert.equal(retryDelaySeconds(3, 0), 0);
});

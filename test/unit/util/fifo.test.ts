import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fifo } from '../../../src/util/fifo.ts';

test('tasks run one at a time in the order given; a failed task does not stop the next', async () => {
  const serial = fifo();
  const log: string[] = [];
  const task = (name: string, ms: number, fail = false) => async () => {
    log.push(`start ${name}`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  };
  const a = serial(task('a', 20));
  const b = serial(task('b', 1, true));
  const c = serial(task('c', 1));
  assert.equal(await a, 'a');
  await assert.rejects(b, /b/);
  assert.equal(await c, 'c');
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

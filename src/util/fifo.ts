/**
 * A queue that runs the tasks given to it one at a time, in the order given: a task starts once the one
 * before it has settled, whether it resolved or rejected. For resources that take one call at a time
 * (an inference session) but whose callers may overlap.
 */
export function fifo(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const result = tail.then(task);
    // The next task waits for this one to settle, not to succeed; its failure is its caller's.
    tail = result.catch(() => undefined);
    return result;
  };
}

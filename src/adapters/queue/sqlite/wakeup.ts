/**
 * Where waiting receives sleep. Any wake-up source (file watcher, in-process send, close) calls `wakeAll`;
 * each sleeper also has its own deadline (fallback poll, next message becoming visible, end of its wait)
 * and its abort signal. A sleeper only learns "something may have changed" and re-checks the database.
 */
export class Sleepers {
  readonly #waiting = new Set<() => void>();

  /** Resolves after `ms`, or earlier on `wakeAll` or when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        this.#waiting.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#waiting.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  wakeAll(): void {
    for (const done of [...this.#waiting]) done();
  }

  get size(): number {
    return this.#waiting.size;
  }
}

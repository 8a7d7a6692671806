import { realpathSync } from 'node:fs';
import { EchoError } from '../../../errors/catalogue.ts';
import type { DeadMessage, JobBody, JobQueue, QueueStats, ReceivedMessage, ReceiveOptions } from '../../../ports/job-queue.ts';
import { openQueueDatabase } from './database.ts';
import { guard } from './errors.ts';
import { publishLocal, subscribeLocal } from './local-bus.ts';
import { QueueStore } from './store.ts';
import {
  checkInteger,
  checkNumber,
  checkReceipt,
  MAX_BATCH,
  MAX_DELAY_SECONDS,
  MAX_VISIBILITY_SECONDS,
} from './validate.ts';
import { watchWal } from './wal-watcher.ts';
import { Sleepers } from './wakeup.ts';

export interface SqliteQueueOptions {
  /** The queue file; created if missing. Every process that opens the same file shares the queue. */
  path: string;
  /** Deliveries of one message before the next receive dead-letters it instead (SQS maxReceiveCount). */
  maxReceives: number;
  /** Hidden period when a receive does not say (s). Default 30. */
  defaultVisibilitySeconds?: number;
  /** Longest a waiting receive sleeps without a wake-up before looking again (ms). Default 1000. */
  pollFallbackMs?: number;
  /** Watch `<file>-wal` for commits by other processes. Default true; false leaves only the poll. */
  watch?: boolean;
  /** How long a statement waits for another process's write lock (ms). Default 5000. */
  busyTimeoutMs?: number;
  /** Told when the file watcher cannot run (the queue keeps working on the poll). */
  onWarning?: (message: string, err: unknown) => void;
}

/** Delay between the first `-wal` event of a commit and the wake-up, so the whole commit has landed. */
const WAL_COALESCE_MS = 2;
let memoryQueues = 0;

/**
 * The embedded JobQueue: one SQLite file in WAL mode, SQS semantics (visibility timeout, receive count,
 * redrive to a dead-letter state, receipts new on every delivery). Safe across processes: receives claim
 * rows inside BEGIN IMMEDIATE. Waiting receives wake on a send from this process at once, on a commit by
 * another process through the `-wal` watcher, when the earliest hidden message becomes visible, and at the
 * latest every `pollFallbackMs`.
 */
export async function createSqliteQueue(options: SqliteQueueOptions): Promise<JobQueue> {
  const path = options.path;
  if (typeof path !== 'string' || path.length === 0) {
    throw new EchoError('CONFIG_INVALID', `sqlite queue: path must be a file path, got ${String(path)}`);
  }
  const maxReceives = checkInteger('maxReceives', options.maxReceives, 1, 1000);
  const defaultVisibility = checkNumber(
    'defaultVisibilitySeconds',
    options.defaultVisibilitySeconds ?? 30,
    0,
    MAX_VISIBILITY_SECONDS,
    's',
  );
  const pollMs = checkNumber('pollFallbackMs', options.pollFallbackMs ?? 1000, 1, 3_600_000, 'ms');
  const busyTimeoutMs = checkNumber('busyTimeoutMs', options.busyTimeoutMs ?? 5000, 0, 600_000, 'ms');

  const db = openQueueDatabase({ path, busyTimeoutMs });
  const store = guard(path, 'prepare', () => new QueueStore(db, path, maxReceives));
  const inMemory = path === ':memory:' || path.startsWith('file::memory:');
  // One key per file, however it was spelled, so in-process wake-ups reach every queue on it.
  const key = inMemory ? `:memory:#${++memoryQueues}` : realpathSync(path);

  const sleepers = new Sleepers();
  const wake = (): void => sleepers.wakeAll();
  const unsubscribe = subscribeLocal(key, wake);
  const watcher =
    options.watch === false || inMemory
      ? undefined
      : watchWal(key, wake, {
          coalesceMs: WAL_COALESCE_MS,
          onError: (err) =>
            options.onWarning?.(`sqlite queue "${path}": cannot watch for commits by other processes; polling every ${pollMs} ms`, err),
        });
  let closed = false;

  const open = (operation: string): void => {
    if (closed) throw new EchoError('QUEUE_FAILED', `sqlite queue "${path}": ${operation} after close`);
  };

  return {
    async send(body: JobBody, sendOptions?: { delaySeconds?: number }): Promise<string> {
      open('send');
      const delay = checkNumber('delaySeconds', sendOptions?.delaySeconds ?? 0, 0, MAX_DELAY_SECONDS, 's');
      const now = Date.now();
      const id = guard(path, 'send', () => store.send(body, now, now + Math.round(delay * 1000)));
      // Delayed sends wake sleepers too, so they set their timer to the new earliest visible_at.
      publishLocal(key);
      return id;
    },

    async receive(receiveOptions: ReceiveOptions): Promise<ReceivedMessage[]> {
      open('receive');
      const max = checkInteger('max', receiveOptions.max ?? 1, 1, MAX_BATCH);
      const visibilityMs =
        checkNumber('visibilitySeconds', receiveOptions.visibilitySeconds ?? defaultVisibility, 0, MAX_VISIBILITY_SECONDS, 's') * 1000;
      const waitMs = checkNumber('waitMs', receiveOptions.waitMs ?? 0, 0, Number.MAX_SAFE_INTEGER, 'ms');
      const signal = receiveOptions.signal;
      const deadline = Date.now() + waitMs;
      for (;;) {
        if (closed || signal?.aborted) return [];
        const now = Date.now();
        const claimed = guard(path, 'receive', () => store.claim(now, max, now + Math.round(visibilityMs)));
        if (claimed.messages.length > 0) return claimed.messages;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return [];
        let sleepMs = Math.min(remaining, pollMs);
        // +1: timers may fire a millisecond early relative to Date.now().
        if (claimed.nextVisibleAt !== null) sleepMs = Math.min(sleepMs, claimed.nextVisibleAt - Date.now() + 1);
        await sleepers.sleep(sleepMs, signal);
      }
    },

    async extend(receipt: string, visibilitySeconds: number): Promise<void> {
      open('extend');
      checkReceipt(receipt);
      const seconds = checkNumber('visibilitySeconds', visibilitySeconds, 0, MAX_VISIBILITY_SECONDS, 's');
      const changed = guard(path, 'extend', () => store.setVisibility(receipt, Date.now() + Math.round(seconds * 1000)));
      if (!changed) throw staleReceipt(path, 'extend', receipt);
      // Extending to 0 makes the message visible now.
      if (seconds === 0) publishLocal(key);
    },

    async release(receipt: string, delaySeconds = 0): Promise<void> {
      open('release');
      checkReceipt(receipt);
      const seconds = checkNumber('delaySeconds', delaySeconds, 0, MAX_VISIBILITY_SECONDS, 's');
      const changed = guard(path, 'release', () => store.release(receipt, Date.now() + Math.round(seconds * 1000)));
      if (!changed) throw staleReceipt(path, 'release', receipt);
      publishLocal(key);
    },

    async delete(receipt: string): Promise<boolean> {
      open('delete');
      checkReceipt(receipt);
      return guard(path, 'delete', () => store.delete(receipt));
    },

    async stats(): Promise<QueueStats> {
      open('stats');
      return guard(path, 'stats', () => store.stats(Date.now()));
    },

    async listDead(limit = 100): Promise<DeadMessage[]> {
      open('listDead');
      checkInteger('limit', limit, 1, 10_000);
      return guard(path, 'listDead', () => store.listDead(limit));
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      unsubscribe();
      watcher?.close();
      // Pending receives wake, see `closed` and resolve [] before the database goes away under them.
      sleepers.wakeAll();
      guard(path, 'close', () => store.close());
    },
  };
}

function staleReceipt(path: string, operation: string, receipt: string): EchoError {
  return new EchoError(
    'NOT_FOUND',
    `sqlite queue "${path}": ${operation}: receipt is stale (the message was redelivered, released, deleted or dead-lettered)`,
    { details: { path, operation, receipt } },
  );
}

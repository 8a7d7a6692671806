/**
 * The JobQueue contract on the embedded SQLite queue (a fresh file per test, a real child process as the
 * remote producer), then what only the SQLite adapter promises: exclusive delivery across processes, the
 * `-wal` watcher, the in-process bus, the wake-up timer, the fallback poll, schema versioning, error codes.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createSqliteQueue, type SqliteQueueOptions } from '../../src/adapters/queue/sqlite/index.ts';
import { isEchoError } from '../../src/errors/catalogue.ts';
import type { JobBody, JobQueue } from '../../src/ports/job-queue.ts';
import { tempDir } from '../helpers/temp.ts';
import { jobQueueContract } from './job-queue.contract.ts';
import { type QueueChild, spawnQueueChild } from './queue-helpers/queue-child.ts';

const CHILD = fileURLToPath(new URL('./queue-helpers/sqlite-queue-child.ts', import.meta.url));

let dir = '';
let cleanupDir: () => Promise<void> = async () => {};
let files = 0;
before(async () => {
  ({ dir, cleanup: cleanupDir } = await tempDir());
});
after(() => cleanupDir());

function freshPath(): string {
  return join(dir, `queue-${++files}.sqlite`);
}

function body(clipId: string): JobBody {
  return { jobId: `job-${clipId}`, clipId, model: { name: 'view-classifier', version: '1.0.0' }, queuedAt: Date.now() };
}

/** Opens a queue and always closes it. */
async function withQueue(options: Partial<SqliteQueueOptions>, fn: (queue: JobQueue, path: string) => Promise<void>): Promise<void> {
  const path = options.path ?? freshPath();
  const queue = await createSqliteQueue({ maxReceives: 5, ...options, path });
  try {
    await fn(queue, path);
  } finally {
    await queue.close();
  }
}

async function withChildren(count: number, args: string[], fn: (children: QueueChild[]) => Promise<void>): Promise<void> {
  const children = await Promise.all(Array.from({ length: count }, () => spawnQueueChild(CHILD, args)));
  try {
    await fn(children);
  } finally {
    await Promise.all(children.map((c) => c.close()));
  }
}

// A long fallback poll: every wake-up in the contract must come from the watcher, the bus or the timer.
jobQueueContract('sqlite', async ({ maxReceives }) => {
  const path = freshPath();
  const queue = await createSqliteQueue({ path, maxReceives, pollFallbackMs: 60_000 });
  return {
    queue,
    cleanup: () => queue.close(),
    spawnProducer: () => spawnQueueChild(CHILD, [path, String(maxReceives)]),
  };
});

describe('sqlite queue across processes', () => {
  test('two processes receiving concurrently never get the same message', async (t) => {
    await withQueue({}, async (queue, path) => {
      const sent = new Set<string>();
      for (let i = 0; i < 200; i++) sent.add(await queue.send(body(`mp-${i}`)));
      await withChildren(2, [path], async (children) => {
        const reports = await Promise.all(children.map((c, i) => c.drain({ max: i + 1, visibilitySeconds: 60, idleMs: 300 })));
        const [a, b] = reports.map((r) => new Set(r.ids)) as [Set<string>, Set<string>];
        t.diagnostic(`child A got ${a.size} in ${reports[0]!.receives} receives, child B got ${b.size} in ${reports[1]!.receives}`);
        assert.equal(reports[0]!.ids.length, a.size, 'child A got a message twice');
        assert.equal(reports[1]!.ids.length, b.size, 'child B got a message twice');
        assert.deepEqual([...a].filter((id) => b.has(id)), [], 'intersection must be empty');
        assert.deepEqual(new Set([...a, ...b]), sent, 'union must be every message');
        assert.equal(reports[0]!.deleteFailures + reports[1]!.deleteFailures, 0);
      });
      assert.deepEqual(await queue.stats(), { visible: 0, inFlight: 0, delayed: 0, dead: 0 });
    });
  });

  test('the -wal watcher wakes a receive on another process’s delayed send exactly when it is due', async (t) => {
    await withQueue({ pollFallbackMs: 60_000 }, async (queue, path) => {
      await withChildren(1, [path], async ([child]) => {
        const waiting = queue.receive({ visibilitySeconds: 30, waitMs: 10_000 });
        await sleep(100);
        const sent = await child!.send(body('late'), 1);
        const [message] = await waiting;
        const after = Date.now() - sent.sentAt;
        t.diagnostic(`delayed 1 s cross-process send received after ${after} ms`);
        assert.equal(message?.id, sent.id);
        assert.ok(after >= 990 && after < 1500, `received ${after} ms after send`);
      });
    });
  });

  test('with the watcher off, the fallback poll still delivers a send from another process', async (t) => {
    await withQueue({ watch: false, pollFallbackMs: 200 }, async (queue, path) => {
      await withChildren(1, [path], async ([child]) => {
        const waiting = queue.receive({ visibilitySeconds: 30, waitMs: 10_000 });
        await sleep(50);
        const sent = await child!.send(body('polled'));
        const [message] = await waiting;
        const latency = Date.now() - sent.sentAt;
        t.diagnostic(`poll-only cross-process latency ${latency} ms (poll 200 ms)`);
        assert.equal(message?.id, sent.id);
        assert.ok(latency < 800, `received after ${latency} ms`);
      });
    });
  });
});

describe('sqlite queue in one process', () => {
  test('a second queue on the same file (spelled differently) is woken at once by the in-process bus', async (t) => {
    await withQueue({ watch: false, pollFallbackMs: 60_000 }, async (consumer, path) => {
      await withQueue({ path: relative(process.cwd(), path), watch: false }, async (producer) => {
        const waiting = consumer.receive({ visibilitySeconds: 30, waitMs: 10_000 });
        await sleep(100);
        const sentAt = Date.now();
        const id = await producer.send(body('bus'));
        const [message] = await waiting;
        const latency = Date.now() - sentAt;
        t.diagnostic(`in-process bus latency ${latency} ms`);
        assert.equal(message?.id, id);
        assert.ok(latency < 100, `woke after ${latency} ms`);
      });
    });
  });

  test('the wake-up timer fires when the earliest hidden message becomes visible, not at the poll', async () => {
    await withQueue({ watch: false, pollFallbackMs: 60_000 }, async (queue) => {
      await queue.send(body('held'));
      const [held] = await queue.receive({ visibilitySeconds: 0.3, waitMs: 0 });
      assert.ok(held);
      const start = Date.now();
      const [again] = await queue.receive({ visibilitySeconds: 30, waitMs: 10_000 });
      const ms = Date.now() - start;
      assert.equal(again?.id, held.id);
      assert.ok(ms >= 200 && ms < 600, `visible again after ${ms} ms`);
    });
  });

  test('messages survive close and reopen; the schema version is recorded', async () => {
    const path = freshPath();
    let id = '';
    await withQueue({ path }, async (queue) => {
      id = await queue.send(body('persist'));
    });
    await withQueue({ path }, async (queue) => {
      const [message] = await queue.receive({ visibilitySeconds: 30, waitMs: 0 });
      assert.equal(message?.id, id);
    });
    const db = new Database(path, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT version FROM queue_schema_version').all(), [{ version: 1 }]);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  test('driver failures and newer schemas become ECHO_ERR_QUEUE_FAILED', async () => {
    const isQueueFailed = (err: unknown): boolean => isEchoError(err, 'QUEUE_FAILED');
    await assert.rejects(createSqliteQueue({ path: join(dir, 'no-such-dir', 'q.sqlite'), maxReceives: 5 }), isQueueFailed);
    const garbage = join(dir, 'garbage.sqlite');
    await writeFile(garbage, 'this is not a database '.repeat(100));
    await assert.rejects(createSqliteQueue({ path: garbage, maxReceives: 5 }), isQueueFailed);
    const newer = freshPath();
    await withQueue({ path: newer }, async () => {});
    const db = new Database(newer);
    db.prepare('UPDATE queue_schema_version SET version = 99').run();
    db.close();
    await assert.rejects(createSqliteQueue({ path: newer, maxReceives: 5 }), (err: unknown) => {
      return isQueueFailed(err) && /schema version 99/.test((err as Error).message);
    });
  });

  test('calls after close reject with ECHO_ERR_QUEUE_FAILED; close is idempotent', async () => {
    const queue = await createSqliteQueue({ path: freshPath(), maxReceives: 5 });
    await queue.close();
    await queue.close();
    await assert.rejects(queue.send(body('x')), (err: unknown) => isEchoError(err, 'QUEUE_FAILED'));
    await assert.rejects(queue.receive({ visibilitySeconds: 1, waitMs: 0 }), (err: unknown) => isEchoError(err, 'QUEUE_FAILED'));
    await assert.rejects(queue.stats(), (err: unknown) => isEchoError(err, 'QUEUE_FAILED'));
  });

  test('out-of-range arguments are refused with ECHO_ERR_BAD_REQUEST naming the option', async () => {
    await withQueue({}, async (queue) => {
      const bad = (name: string) => (err: unknown) => isEchoError(err, 'BAD_REQUEST') && (err as Error).message.includes(name);
      await assert.rejects(queue.send(body('x'), { delaySeconds: 901 }), bad('delaySeconds'));
      await assert.rejects(queue.receive({ max: 11, visibilitySeconds: 1, waitMs: 0 }), bad('max'));
      await assert.rejects(queue.receive({ visibilitySeconds: -1, waitMs: 0 }), bad('visibilitySeconds'));
      await assert.rejects(queue.extend('r', Number.NaN), bad('visibilitySeconds'));
    });
    await assert.rejects(createSqliteQueue({ path: freshPath(), maxReceives: 0 }), (err: unknown) => isEchoError(err, 'BAD_REQUEST'));
  });
});

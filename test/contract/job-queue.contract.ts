/**
 * The JobQueue contract (src/ports/job-queue.ts), run against every adapter through a factory.
 * Timings use whole seconds so the same suite runs on Amazon SQS (or an emulator), which has 1 s
 * granularity for delays and visibility timeouts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isEchoError } from '../../src/errors/catalogue.ts';
import type { JobBody, JobQueue, ReceivedMessage } from '../../src/ports/job-queue.ts';
import type { QueueChild } from './queue-helpers/queue-child.ts';

export interface QueueHarness {
  /** A fresh, empty queue. */
  queue: JobQueue;
  /** Closes the queue and removes what the harness made. */
  cleanup: () => Promise<void>;
  /** Opens the same queue in a separate OS process (omit where the backend has no such notion). */
  spawnProducer?: () => Promise<QueueChild>;
  /** Where the backend's semantics differ from the embedded queue, stated (see src/ports/job-queue.ts). */
  differences?: QueueDifferences;
}

export interface QueueDifferences {
  /**
   * SQS: the server keeps an aborted long poll open for up to this many seconds and hands it the next
   * message, which the adapter then makes visible again (receive count +1). The contract then asks only
   * that such a message is not lost: it is received within that time plus a second.
   */
  abortedPollLingersSeconds?: number;
}

export type MakeQueue = (options: { maxReceives: number }) => Promise<QueueHarness>;

/** Upper bound on a wake-up after a send; the contract asks for milliseconds, this leaves room for CI. */
const WAKE_BOUND_MS = 1000;

let counter = 0;
function job(label = 'clip'): JobBody {
  counter++;
  return { jobId: `job-${counter}`, clipId: `${label}-${counter}`, model: { name: 'view-classifier', version: '1.0.0' }, queuedAt: Date.now() };
}

async function rejectsWith(promise: Promise<unknown>, code: 'NOT_FOUND'): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isEchoError(err, code));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - start };
}

export function jobQueueContract(name: string, makeQueue: MakeQueue): void {
  async function withQueue(maxReceives: number, fn: (h: QueueHarness) => Promise<void>): Promise<void> {
    const harness = await makeQueue({ maxReceives });
    try {
      await fn(harness);
    } finally {
      await harness.cleanup();
    }
  }

  describe(`JobQueue contract: ${name}`, () => {
    test('send, receive and delete one message', () =>
      withQueue(5, async ({ queue }) => {
        const body = job();
        const before = Date.now();
        const id = await queue.send(body);
        const [message, ...rest] = await queue.receive({ visibilitySeconds: 30, waitMs: 0 });
        assert.equal(rest.length, 0);
        assert.ok(message);
        assert.equal(message.id, id);
        assert.deepEqual(message.body, body);
        assert.equal(message.receiveCount, 1);
        assert.ok(message.sentAt >= before - 1000 && message.sentAt <= Date.now() + 1000, `sentAt ${message.sentAt}`);
        assert.equal(typeof message.receipt, 'string');
        assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 0 }), [], 'held message is hidden');
        assert.equal(await queue.delete(message.receipt), true);
        assert.equal(await queue.delete(message.receipt), false, 'second delete is a no-op');
        assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 0 }), []);
      }));

    test('receive returns up to max messages, in order, each with its own receipt', () =>
      withQueue(5, async ({ queue }) => {
        const ids = [];
        for (let i = 0; i < 4; i++) ids.push(await queue.send(job()));
        const first = await queue.receive({ max: 3, visibilitySeconds: 30, waitMs: 0 });
        const second = await queue.receive({ max: 3, visibilitySeconds: 30, waitMs: 0 });
        assert.deepEqual(
          [...first, ...second].map((m) => m.id),
          ids,
        );
        assert.equal(first.length, 3);
        assert.equal(new Set([...first, ...second].map((m) => m.receipt)).size, 4);
      }));

    test('each message goes to exactly one of several concurrent receivers', () =>
      withQueue(5, async ({ queue }) => {
        // Waiting receivers, then one send: exactly one of them gets it.
        const waiting = Array.from({ length: 5 }, () => queue.receive({ visibilitySeconds: 30, waitMs: 600 }));
        await sleep(50);
        const id = await queue.send(job());
        const got = (await Promise.all(waiting)).flat();
        assert.deepEqual(
          got.map((m) => m.id),
          [id],
        );
        // Ready messages, many receivers at once: each message once, none twice.
        const sent = new Set<string>();
        for (let i = 0; i < 6; i++) sent.add(await queue.send(job()));
        const batches = await Promise.all(
          Array.from({ length: 8 }, () => queue.receive({ max: 2, visibilitySeconds: 30, waitMs: 200 })),
        );
        const received = batches.flat().map((m) => m.id);
        assert.equal(received.length, 6, `received ${received.length}`);
        assert.deepEqual(new Set(received), sent);
      }));

    test('a message not deleted within its visibility timeout is delivered again with receiveCount 2', () =>
      withQueue(5, async ({ queue }) => {
        const id = await queue.send(job());
        const [first] = await queue.receive({ visibilitySeconds: 1, waitMs: 0 });
        assert.ok(first);
        assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 0 }), []);
        const { value, ms } = await timed(() => queue.receive({ visibilitySeconds: 30, waitMs: 5000 }));
        const [second] = value;
        assert.ok(second, 'redelivered');
        assert.equal(second.id, id);
        assert.equal(second.receiveCount, 2);
        assert.notEqual(second.receipt, first.receipt, 'a new receipt on every delivery');
        assert.ok(ms >= 800 && ms < 3000, `redelivered after ${ms} ms`);
      }));

    test('extend (heartbeat) keeps a message hidden past its original timeout', () =>
      withQueue(5, async ({ queue }) => {
        await queue.send(job());
        const [held] = await queue.receive({ visibilitySeconds: 1, waitMs: 0 });
        assert.ok(held);
        await sleep(400);
        await queue.extend(held.receipt, 3);
        // Waits from 0.4 s to 1.8 s, well past the original 1 s.
        assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 1400 }), []);
        assert.equal(await queue.delete(held.receipt), true, 'the receipt is still valid');
      }));

    test('release(receipt, 0) makes a message visible at once', () =>
      withQueue(5, async ({ queue }) => {
        const id = await queue.send(job());
        const [held] = await queue.receive({ visibilitySeconds: 30, waitMs: 0 });
        assert.ok(held);
        await queue.release(held.receipt, 0);
        const [again] = await queue.receive({ visibilitySeconds: 30, waitMs: 0 });
        assert.ok(again, 'visible straight after release');
        assert.equal(again.id, id);
        assert.equal(again.receiveCount, 2);
      }));

    test('release with a delay (backoff) keeps a message hidden until then', () =>
      withQueue(5, async ({ queue }) => {
        const id = await queue.send(job());
        const [held] = await queue.receive({ visibilitySeconds: 30, waitMs: 0 });
        assert.ok(held);
        await queue.release(held.receipt, 1);
        assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 0 }), []);
        const { value, ms } = await timed(() => queue.receive({ visibilitySeconds: 30, waitMs: 5000 }));
        assert.equal(value[0]?.id, id);
        assert.ok(ms >= 800 && ms < 3000, `visible again after ${ms} ms`);
      }));

    test('a receipt goes stale once the message is redelivered: delete is false, extend/release reject NOT_FOUND', () =>
      withQueue(5, async ({ queue }) => {
        await queue.send(job());
        const [first] = await queue.receive({ visibilitySeconds: 1, waitMs: 0 });
        assert.ok(first);
        const [second] = await queue.receive({ visibilitySeconds: 30, waitMs: 5000 });
        assert.ok(second);
        assert.equal(await queue.delete(first.receipt), false, 'stale delete must not ack the new delivery');
        await rejectsWith(queue.extend(first.receipt, 30), 'NOT_FOUND');
        await rejectsWith(queue.release(first.receipt, 0), 'NOT_FOUND');
        assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 0 }), [], 'still held by the second receiver');
        assert.equal(await queue.delete(second.receipt), true);
        await rejectsWith(queue.extend(second.receipt, 30), 'NOT_FOUND');
      }));

    test('a message is dead-lettered instead of being received more than maxReceives times', () =>
      withQueue(2, async ({ queue }) => {
        const body = job();
        const id = await queue.send(body);
        for (let i = 1; i <= 2; i++) {
          const [held] = await queue.receive({ visibilitySeconds: 30, waitMs: 0 });
          assert.equal(held?.receiveCount, i);
          await queue.release(held.receipt, 0);
        }
        assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 0 }), [], 'third delivery is not made');
        const dead = await queue.listDead();
        assert.equal(dead.length, 1);
        assert.equal(dead[0]?.id, id);
        assert.deepEqual(dead[0]?.body, body);
        assert.equal(dead[0]?.receiveCount, 2);
        assert.ok(Math.abs((dead[0]?.deadAt ?? 0) - Date.now()) < 60_000);
        const stats = await queue.stats();
        assert.equal(stats.dead, 1);
        assert.equal(stats.visible + stats.inFlight + stats.delayed, 0);
        assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 300 }), [], 'never delivered again');
      }));

    test('listDead lists oldest first and honours its limit', () =>
      withQueue(1, async ({ queue }) => {
        const ids = [];
        for (let i = 0; i < 3; i++) {
          ids.push(await queue.send(job()));
          const [held] = await queue.receive({ visibilitySeconds: 30, waitMs: 0 });
          await queue.release(held!.receipt, 0);
          assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 0 }), []);
          await sleep(5);
        }
        assert.deepEqual(
          (await queue.listDead()).map((d) => d.id),
          ids,
        );
        assert.deepEqual(
          (await queue.listDead(2)).map((d) => d.id),
          ids.slice(0, 2),
        );
      }));

    test('a receive on an empty queue waits waitMs, then resolves []', () =>
      withQueue(5, async ({ queue }) => {
        const { value, ms } = await timed(() => queue.receive({ visibilitySeconds: 30, waitMs: 300 }));
        assert.deepEqual(value, []);
        assert.ok(ms >= 250 && ms < 2000, `waited ${ms} ms`);
        const quick = await timed(() => queue.receive({ visibilitySeconds: 30, waitMs: 0 }));
        assert.ok(quick.ms < 500, `waitMs 0 took ${quick.ms} ms`);
      }));

    test('abort ends a waiting receive early with []', () =>
      withQueue(5, async ({ queue, differences }) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const { value, ms } = await timed(() =>
          queue.receive({ visibilitySeconds: 30, waitMs: 10_000, signal: controller.signal }),
        );
        assert.deepEqual(value, []);
        assert.ok(ms < 1000, `aborted after ${ms} ms`);
        const already = await timed(() => queue.receive({ visibilitySeconds: 30, waitMs: 10_000, signal: controller.signal }));
        assert.deepEqual(already.value, []);
        assert.ok(already.ms < 500, `pre-aborted receive took ${already.ms} ms`);
        // An aborted receive takes nothing: the message is still there for the next one.
        const id = await queue.send(job());
        const lingers = differences?.abortedPollLingersSeconds;
        const [message] = await queue.receive({ visibilitySeconds: 30, waitMs: lingers === undefined ? 0 : (lingers + 1) * 1000 });
        assert.equal(message?.id, id);
        if (lingers === undefined) assert.equal(message?.receiveCount, 1);
        else assert.ok(message && message.receiveCount <= 3, `receiveCount ${message?.receiveCount}: taken at most by the two lingering polls`);
      }));

    test('a waiting receive wakes within milliseconds of a send from the same process', (t) =>
      withQueue(5, async ({ queue }) => {
        const waiting = queue.receive({ visibilitySeconds: 30, waitMs: 10_000 });
        await sleep(200);
        const sentAt = Date.now();
        const id = await queue.send(job());
        const [message] = await waiting;
        const latency = Date.now() - sentAt;
        assert.equal(message?.id, id);
        t.diagnostic(`${name}: same-process wake-up latency ${latency} ms`);
        console.log(`[wake-up] ${name} same-process: ${latency} ms`);
        assert.ok(latency < WAKE_BOUND_MS, `woke after ${latency} ms`);
      }));

    test('a waiting receive wakes within milliseconds of a send from another process', async (t) => {
      const probe = await makeQueue({ maxReceives: 5 });
      const spawnProducer = probe.spawnProducer;
      if (spawnProducer === undefined) {
        await probe.cleanup();
        t.skip('the harness cannot open the queue in another process');
        return;
      }
      const { queue } = probe;
      let producer: QueueChild | undefined;
      try {
        producer = await spawnProducer();
        const latencies: number[] = [];
        for (let round = 0; round < 3; round++) {
          const waiting = queue.receive({ visibilitySeconds: 30, waitMs: 10_000 });
          await sleep(150);
          const sent: { id: string; sentAt: number } = await producer.send(job('remote'));
          const [message] = await waiting;
          const latency = Date.now() - sent.sentAt;
          assert.equal(message?.id, sent.id);
          assert.equal(message !== undefined && 'clipId' in message.body && message.body.clipId.startsWith('remote-'), true);
          latencies.push(latency);
        }
        t.diagnostic(`${name}: cross-process wake-up latencies ${latencies.join(', ')} ms`);
        console.log(`[wake-up] ${name} cross-process: ${latencies.join(', ')} ms`);
        for (const latency of latencies) assert.ok(latency < WAKE_BOUND_MS, `woke after ${latency} ms`);
      } finally {
        await producer?.close();
        await probe.cleanup();
      }
    });

    test('a delayed send is hidden until its delay has passed', () =>
      withQueue(5, async ({ queue }) => {
        const id = await queue.send(job(), { delaySeconds: 1 });
        assert.deepEqual(await queue.receive({ visibilitySeconds: 30, waitMs: 0 }), []);
        assert.equal((await queue.stats()).delayed, 1);
        const { value, ms } = await timed(() => queue.receive({ visibilitySeconds: 30, waitMs: 5000 }));
        assert.equal(value[0]?.id, id);
        assert.equal(value[0]?.receiveCount, 1);
        assert.ok(ms >= 800 && ms < 3000, `delivered after ${ms} ms`);
      }));

    test('stats counts visible, in-flight, delayed and dead messages', () =>
      withQueue(1, async ({ queue }) => {
        assert.deepEqual(await queue.stats(), { visible: 0, inFlight: 0, delayed: 0, dead: 0 });
        for (let i = 0; i < 3; i++) await queue.send(job());
        await queue.send(job(), { delaySeconds: 60 });
        const [held] = await queue.receive({ visibilitySeconds: 30, waitMs: 0 });
        assert.ok(held);
        assert.deepEqual(await queue.stats(), { visible: 2, inFlight: 1, delayed: 1, dead: 0 });
        // maxReceives 1: releasing and receiving again dead-letters it.
        await queue.release(held.receipt, 0);
        const next = await queue.receive({ max: 3, visibilitySeconds: 30, waitMs: 0 });
        assert.equal(next.length, 2);
        assert.ok(next.every((m) => m.id !== held.id));
        assert.deepEqual(await queue.stats(), { visible: 0, inFlight: 2, delayed: 1, dead: 1 });
      }));

    test('close resolves a pending receive with []', () =>
      withQueue(5, async ({ queue }) => {
        const waiting = queue.receive({ visibilitySeconds: 30, waitMs: 10_000 });
        await sleep(50);
        const start = Date.now();
        await queue.close();
        const result: ReceivedMessage[] = await waiting;
        assert.deepEqual(result, []);
        assert.ok(Date.now() - start < 1000);
      }));
  });
}

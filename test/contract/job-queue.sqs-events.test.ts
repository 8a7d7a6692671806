/**
 * What only the SQS adapter promises, against fauxqs: S3 event notification messages (sent with the SDK
 * exactly as S3 delivers them) received as object-created messages, the s3:TestEvent dropped, multi-record
 * events split, unknown bodies left for the dead-letter queue, and the redrive policy checked on open.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsQueue } from '../../src/adapters/queue/sqs/index.ts';
import type { JobQueue } from '../../src/ports/job-queue.ts';
import { type Emulator, startEmulator } from '../helpers/fauxqs.ts';
import { createQueuePair } from '../helpers/sqs-queues.ts';
import { s3EventBody } from '../helpers/s3-event.ts';

let emulator: Emulator;
let sqs: SQSClient;
before(async () => {
  emulator = await startEmulator();
  sqs = new SQSClient({ endpoint: emulator.endpoint, region: emulator.region });
});
after(async () => {
  sqs.destroy();
  await emulator.stop();
});

async function withQueue(maxReceives: number, fn: (queue: JobQueue, sendRaw: (body: string) => Promise<void>, warnings: string[]) => Promise<void>): Promise<void> {
  const pair = await createQueuePair(emulator, maxReceives);
  const warnings: string[] = [];
  const queue = await createSqsQueue({
    queue: pair.name,
    endpoint: emulator.endpoint,
    maxReceives,
    objectEvents: { bucket: 'echo-bucket', prefix: 'echo' },
    onWarning: (m) => warnings.push(m),
  });
  const url = pair.url;
  try {
    await fn(queue, async (body) => void (await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }))), warnings);
  } finally {
    await queue.close();
    await pair.remove();
  }
}

test('an S3 ObjectCreated notification is received as an object-created message; the test event is deleted', () =>
  withQueue(3, async (queue, sendRaw, warnings) => {
    await sendRaw(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date().toISOString(), Bucket: 'echo-bucket', RequestId: 'R', HostId: 'H' }));
    await sendRaw(s3EventBody('echo-bucket', 'echo/inputs/study+1/a%20b.mat', 777));
    const [message, ...rest] = await queue.receive({ max: 10, visibilitySeconds: 30, waitMs: 2000 });
    assert.equal(rest.length, 0);
    assert.deepEqual({ ...message?.body, eventTime: 0 }, { kind: 'object-created', key: 'inputs/study 1/a b.mat', size: 777, eventTime: 0 });
    assert.equal(message?.receiveCount, 1);
    assert.ok(warnings.some((w) => w.includes('s3:TestEvent')));
    assert.equal(await queue.delete(message!.receipt), true);
    assert.deepEqual(await queue.stats(), { visible: 0, inFlight: 0, delayed: 0, dead: 0 }, 'the test event was deleted, not left');
  }));

test('a notification with several records is split into one message per record', () =>
  withQueue(3, async (queue, sendRaw) => {
    const a = JSON.parse(s3EventBody('echo-bucket', 'echo/inputs/a.mat', 1)) as { Records: unknown[] };
    const b = JSON.parse(s3EventBody('echo-bucket', 'echo/inputs/b.mat', 2)) as { Records: unknown[] };
    await sendRaw(JSON.stringify({ Records: [...a.Records, ...b.Records] }));
    const keys: string[] = [];
    for (let i = 0; i < 5 && keys.length < 2; i++) {
      for (const m of await queue.receive({ max: 10, visibilitySeconds: 30, waitMs: 1000 })) {
        keys.push('key' in m.body ? m.body.key : '');
        await queue.delete(m.receipt);
      }
    }
    assert.deepEqual(keys.sort(), ['inputs/a.mat', 'inputs/b.mat']);
    assert.deepEqual(await queue.stats(), { visible: 0, inFlight: 0, delayed: 0, dead: 0 });
  }));

test('a body that is neither a job nor an S3 event is never delivered and ends in the dead-letter queue', () =>
  withQueue(1, async (queue, sendRaw, warnings) => {
    await sendRaw('{"hello":"world"}');
    assert.deepEqual(await queue.receive({ visibilitySeconds: 1, waitMs: 0 }), []);
    assert.ok(warnings.some((w) => w.includes('not understood')));
    await sleep(1200);
    assert.deepEqual(await queue.receive({ visibilitySeconds: 1, waitMs: 0 }), [], 'second receive redrives it');
    const stats = await queue.stats();
    assert.equal(stats.dead, 1);
    assert.deepEqual(await queue.listDead(), [], 'not listed: it has no job to fail');
  }));

test('opening a queue without a RedrivePolicy, or with another maxReceiveCount, is CONFIG_INVALID', async () => {
  await sqs.send(new CreateQueueCommand({ QueueName: 'no-redrive' }));
  await assert.rejects(createSqsQueue({ queue: 'no-redrive', endpoint: emulator.endpoint, maxReceives: 3 }), { code: 'CONFIG_INVALID', message: /has no RedrivePolicy/ });
  const pair = await createQueuePair(emulator, 4);
  await assert.rejects(createSqsQueue({ queue: pair.name, endpoint: emulator.endpoint, maxReceives: 3 }), { code: 'CONFIG_INVALID', message: /maxReceiveCount is 4 but ECHO_CLOUD_MAX_RECEIVES is 3/ });
  await assert.rejects(createSqsQueue({ queue: 'no-such-queue', endpoint: emulator.endpoint, maxReceives: 3 }), { code: 'QUEUE_FAILED', message: /QueueDoesNotExist/ });
  await pair.remove();
});

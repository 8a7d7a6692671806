/**
 * The JobQueue contract on SQS (fauxqs on loopback: a fresh queue and dead-letter queue with a RedrivePolicy
 * per test, a real child process as the remote producer). The adapter-specific tests (S3 event messages,
 * redrive policy checks) are in test/unit/adapters/sqs-*.test.ts and test/contract/job-queue.sqs-events.test.ts.
 */
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { createSqsQueue } from '../../src/adapters/queue/sqs/index.ts';
import { type Emulator, startEmulator } from '../helpers/fauxqs.ts';
import { createQueuePair } from '../helpers/sqs-queues.ts';
import { jobQueueContract } from './job-queue.contract.ts';
import { spawnQueueChild } from './queue-helpers/queue-child.ts';

const CHILD = fileURLToPath(new URL('./queue-helpers/sqs-queue-child.ts', import.meta.url));

let emulator: Emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator.stop());

jobQueueContract(
  'sqs (fauxqs)',
  async ({ maxReceives }) => {
    const pair = await createQueuePair(emulator, maxReceives);
    const queue = await createSqsQueue({ queue: pair.name, endpoint: emulator.endpoint, region: emulator.region, maxReceives });
    return {
      queue,
      cleanup: async () => {
        await queue.close();
        await pair.remove();
      },
      spawnProducer: () => spawnQueueChild(CHILD, [emulator.endpoint, pair.name, String(maxReceives)]),
      // Stated, not hidden: SQS hands a message to a poll whose client has gone (see the port's notes).
      differences: { abortedPollLingersSeconds: 2 },
    };
  },
);

/** Child process for the SQS queue tests: `node sqs-queue-child.ts <endpoint> <queue name> <maxReceives>` (region and credentials from env). */
import { createSqsQueue } from '../../../src/adapters/queue/sqs/index.ts';
import { serveQueueOverStdio } from './stdio-queue-server.ts';

const [endpoint, queueName, maxReceives = '5'] = process.argv.slice(2);
if (endpoint === undefined || queueName === undefined) {
  console.error('usage: sqs-queue-child.ts ENDPOINT QUEUE_NAME [MAX_RECEIVES]');
  process.exit(1);
}
const queue = await createSqsQueue({ queue: queueName, endpoint, maxReceives: Number(maxReceives) });
await serveQueueOverStdio(queue);

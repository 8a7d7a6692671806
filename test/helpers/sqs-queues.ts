import { randomBytes } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Emulator } from './fauxqs.ts';

/**
 * A fresh SQS queue and its dead-letter queue, with a RedrivePolicy after `maxReceives` receives, as the
 * CDK app makes them. Returns the queue's name and URL; `remove` deletes both.
 */
export async function createQueuePair(emulator: Emulator, maxReceives: number, label = 'echo'): Promise<{ name: string; url: string; deadName: string; remove: () => Promise<void> }> {
  const client = new SQSClient({ endpoint: emulator.endpoint, region: emulator.region });
  const name = `${label}-${randomBytes(5).toString('hex')}`;
  const deadName = `${name}-dlq`;
  try {
    const dead = await client.send(new CreateQueueCommand({ QueueName: deadName, Attributes: { MessageRetentionPeriod: '1209600' } }));
    const arn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dead.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    const main = await client.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: maxReceives }) } }),
    );
    return {
      name,
      url: main.QueueUrl!,
      deadName,
      remove: async () => {
        const c = new SQSClient({ endpoint: emulator.endpoint, region: emulator.region });
        await c.send(new DeleteQueueCommand({ QueueUrl: main.QueueUrl })).catch(() => {});
        await c.send(new DeleteQueueCommand({ QueueUrl: dead.QueueUrl })).catch(() => {});
        c.destroy();
      },
    };
  } finally {
    client.destroy();
  }
}

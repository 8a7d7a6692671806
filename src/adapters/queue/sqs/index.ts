export { createSqsQueue, type SqsQueueOptions } from './create-sqs-queue.ts';
export type { ObjectEventSource } from './s3-events.ts';

/**
 * JobQueue: at-least-once delivery of jobs to workers, with SQS semantics, so the same worker code runs on
 * the embedded SQLite queue and on Amazon SQS.
 *
 * Contract
 * - `send` makes a message visible (after `delaySeconds`, default 0). Workers waiting in `receive` are woken
 *   within milliseconds, not after a polling interval (where the backend can do so; SQS long polling).
 * - `receive` hands each visible message to exactly one caller and hides it for `visibilitySeconds`.
 *   It increments the message's receive count. It waits up to `waitMs` for a message (long polling) and
 *   resolves to an empty array when none arrives, or when `signal` aborts.
 * - A message whose receive count would exceed `maxReceives` is moved to the dead-letter queue instead of
 *   being delivered again (redrive policy).
 * - `extend` (heartbeat) resets the hidden period of a held message; `release` makes it visible after
 *   `delaySeconds` (0: at once; used for retry with backoff and on graceful shutdown). Both reject with
 *   ECHO_ERR_NOT_FOUND when the receipt is stale (the message was redelivered to someone else or deleted).
 * - `delete` acknowledges a message. Deleting with a stale receipt is a no-op that resolves `false`, so a
 *   worker that lost its message never deletes another worker's delivery.
 * - Receipts are opaque strings, new on every delivery.
 * - Driver failures become ECHO_ERR_QUEUE_FAILED.
 * - A backend fed by the object store's event notifications (SQS with S3 → SQS notifications) also delivers
 *   `ObjectCreatedBody` messages: an object arrived under `inputs/` without going through ingest. They follow
 *   the same receive / heartbeat / delete rules; the worker registers the object as a clip and runs it.
 *
 * Where Amazon SQS differs (the SQS adapter, src/adapters/queue/sqs/, and its contract run say so):
 * - order within a batch and across receives is best effort, and a receive may return fewer than `max`
 *   ready messages; timings (delays, visibility, long polling) have whole-second granularity;
 * - counts in `stats` are approximate (SQS's Approximate* attributes), `listDead` peeks at the dead-letter
 *   queue (at most 1000 messages; `deadAt` is the original send time, which SQS keeps on redrive);
 * - the redrive policy lives on the queue (RedrivePolicy.maxReceiveCount must equal `maxReceives`);
 * - SQS keeps a long poll open after the client hangs up, so an aborted receive resolves [] at once but its
 *   poll (at most 2 s when a signal is given) may still take a message sent meanwhile; the adapter makes it
 *   visible again as soon as that poll returns (its receive count is then +1), and `close` waits for it.
 */
export interface JobQueue {
  send(body: JobBody, options?: { delaySeconds?: number }): Promise<string>;
  receive(options: ReceiveOptions): Promise<ReceivedMessage[]>;
  extend(receipt: string, visibilitySeconds: number): Promise<void>;
  release(receipt: string, delaySeconds?: number): Promise<void>;
  delete(receipt: string): Promise<boolean>;
  /** Counts for metrics: visible (ready now), inFlight (held), delayed, dead. */
  stats(): Promise<QueueStats>;
  /** Dead-lettered messages, oldest first. */
  listDead(limit?: number): Promise<DeadMessage[]>;
  close(): Promise<void>;
}

/** The job a worker runs: one clip through one model. */
export interface JobBody {
  /** The catalog job this message runs. */
  jobId: string;
  clipId: string;
  model: { name: string; version: string };
  /** When the job was queued (ms since epoch), for queue-wait timings. */
  queuedAt: number;
  /** False for a further model on the clip (shadow rule, backfill): see NewJob.primary. Absent: true. */
  primary?: boolean;
}

/**
 * An object arrived in the store under `inputs/` by another route than ingest (an S3 upload with `aws s3 cp`
 * or a presigned PUT), as the store's event notification announced it.
 */
export interface ObjectCreatedBody {
  kind: 'object-created';
  /** The store key (below the store's prefix), always under `inputs/`. */
  key: string;
  /** Size the notification announced (bytes). */
  size: number;
  /** When the store created the object (ms since epoch), for queue-wait timings. */
  eventTime: number;
}

/** What a received message carries: a job queued by ingest, or an object-created notification. */
export type QueueMessageBody = JobBody | ObjectCreatedBody;

export function isObjectCreated(body: QueueMessageBody): body is ObjectCreatedBody {
  return (body as ObjectCreatedBody).kind === 'object-created';
}

export interface ReceiveOptions {
  max?: number;
  visibilitySeconds: number;
  waitMs: number;
  signal?: AbortSignal;
}

export interface ReceivedMessage {
  id: string;
  receipt: string;
  body: QueueMessageBody;
  /** 1 on first delivery. */
  receiveCount: number;
  sentAt: number;
}

export interface QueueStats {
  visible: number;
  inFlight: number;
  delayed: number;
  dead: number;
}

export interface DeadMessage {
  id: string;
  body: QueueMessageBody;
  receiveCount: number;
  deadAt: number;
}

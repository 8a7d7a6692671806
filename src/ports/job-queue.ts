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

export interface ReceiveOptions {
  max?: number;
  visibilitySeconds: number;
  waitMs: number;
  signal?: AbortSignal;
}

export interface ReceivedMessage {
  id: string;
  receipt: string;
  body: JobBody;
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
  body: JobBody;
  receiveCount: number;
  deadAt: number;
}

import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { EchoError } from '../../../errors/catalogue.ts';
import type { DeadMessage, JobBody, JobQueue, QueueStats, ReceivedMessage, ReceiveOptions } from '../../../ports/job-queue.ts';
import { checkInteger, checkNumber, checkReceipt, MAX_BATCH, MAX_DELAY_SECONDS, MAX_VISIBILITY_SECONDS } from '../sqlite/validate.ts';
import { type ObjectEventSource, parseBody, singleRecordBody } from './s3-events.ts';
import { isStaleReceipt, queueFailed, staleReceipt } from './sqs-errors.ts';

export interface SqsQueueOptions {
  /** The queue's name (resolved with GetQueueUrl) or its https URL. */
  queue: string;
  /** Must equal the queue's RedrivePolicy.maxReceiveCount (checked on open). */
  maxReceives: number;
  region?: string | null;
  /** Endpoint override (an emulator such as fauxqs). */
  endpoint?: string | null;
  /** Where the object store lives, so S3 event notifications map to store keys; null: S3 events are ignored. */
  objectEvents?: ObjectEventSource | null;
  /** Told about messages that were dropped or left for the dead-letter queue. */
  onWarning?: (message: string) => void;
  /** A client to use instead of building one (tests); not destroyed on close. */
  client?: SQSClient;
}

/** The longest single long poll SQS allows. */
const MAX_WAIT_SECONDS = 20;
/** Longest server-side wait of a poll whose caller may abort (see receiveOnce). */
const ABORTABLE_WAIT_SECONDS = 2;
/** listDead reads at most this many dead-lettered messages. */
const MAX_DEAD_PEEK = 1000;

/**
 * The JobQueue on Amazon SQS (standard queue). Long polling, visibility heartbeats through
 * ChangeMessageVisibility, batch receive, redrive to the queue's dead-letter queue by its RedrivePolicy
 * (the receive count is SQS's ApproximateReceiveCount), S3 event notifications accepted as
 * `object-created` messages. See src/ports/job-queue.ts for where SQS semantics differ from the contract.
 */
export async function createSqsQueue(options: SqsQueueOptions): Promise<JobQueue> {
  const maxReceives = checkInteger('maxReceives', options.maxReceives, 1, 1000);
  const ownsClient = options.client === undefined;
  const client =
    options.client ?? new SQSClient({ ...(options.region ? { region: options.region } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  const name = options.queue;
  const warn = options.onWarning ?? (() => {});
  const closing = new AbortController();
  /** Polls whose caller aborted: they release what they take; close waits for them. */
  const abandoned = new Set<Promise<void>>();
  let closed = false;

  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    if (closed) throw new EchoError('QUEUE_FAILED', `sqs queue ${name}: ${operation} after close`);
    try {
      return await fn();
    } catch (err) {
      throw queueFailed(name, operation, err);
    }
  };

  let queueUrl: string;
  let deadUrl: string;
  try {
    queueUrl = await resolveUrl(client, name);
    const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
    const policy = attrs.Attributes?.RedrivePolicy;
    if (!policy) {
      throw new EchoError('CONFIG_INVALID', `sqs queue ${name} has no RedrivePolicy: give it a dead-letter queue with maxReceiveCount ${maxReceives} (ECHO_CLOUD_MAX_RECEIVES), as the CDK app does`);
    }
    const { deadLetterTargetArn, maxReceiveCount } = JSON.parse(policy) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
    if (Number(maxReceiveCount) !== maxReceives) {
      throw new EchoError('CONFIG_INVALID', `sqs queue ${name}: its RedrivePolicy.maxReceiveCount is ${maxReceiveCount} but ECHO_CLOUD_MAX_RECEIVES is ${maxReceives}; make them equal`);
    }
    const [, , , , account, deadName] = deadLetterTargetArn.split(':');
    deadUrl = (await client.send(new GetQueueUrlCommand({ QueueName: deadName, QueueOwnerAWSAccountId: account }))).QueueUrl ?? '';
  } catch (err) {
    if (ownsClient) client.destroy();
    if (err instanceof EchoError) throw err;
    throw queueFailed(name, 'open', err);
  }

  /** Turns raw messages into deliveries; deletes what is not ours, splits multi-record S3 events. */
  async function deliveries(messages: Message[]): Promise<ReceivedMessage[]> {
    const out: ReceivedMessage[] = [];
    const drop: string[] = [];
    for (const m of messages) {
      const parsed = parseBody(m.Body ?? '', options.objectEvents ?? null);
      const receipt = m.ReceiptHandle ?? '';
      if (parsed.kind === 'job' || parsed.kind === 'object-created') {
        out.push({
          id: m.MessageId ?? '',
          receipt,
          body: parsed.body,
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
          sentAt: Number(m.Attributes?.SentTimestamp ?? Date.now()),
        });
      } else if (parsed.kind === 'split') {
        // One S3 event message may hold several records: one message per record, then drop the original.
        await inBatches(parsed.records, (batch) =>
          call('split S3 event', () => client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((r, j) => ({ Id: String(j), MessageBody: singleRecordBody(r) })) }))),
        );
        drop.push(receipt);
      } else if (parsed.kind === 'ignore') {
        warn(`sqs queue ${name}: dropped message ${m.MessageId}: ${parsed.reason}`);
        drop.push(receipt);
      } else {
        warn(`sqs queue ${name}: message ${m.MessageId} is not understood (${parsed.reason}); leaving it for the dead-letter queue`);
      }
    }
    // What is not ours (or was split) goes in one batch delete per ten.
    await inBatches(drop, (batch) =>
      call('delete dropped messages', () => client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((ReceiptHandle, j) => ({ Id: String(j), ReceiptHandle })) }))),
    );
    return out;
  }

  /** Makes messages of the queue at `url` visible again at once (what a poll took after its caller had gone, a peek at the dead letters). */
  async function releaseAll(url: string, messages: Message[]): Promise<void> {
    await inBatches(messages, (batch) =>
      client
        .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '', VisibilityTimeout: 0 })) }))
        .catch(() => {}),
    );
  }

  /**
   * One ReceiveMessage call. SQS keeps a long poll open on its side even when the client hangs up, and hands
   * it the next message. So a caller's abort does not cut the request: the receive resolves [] at once, the
   * poll (at most ABORTABLE_WAIT_SECONDS long when a signal is given) runs out, and whatever it took is made
   * visible again straight away. `close` waits for such polls, so shutdown leaves no message hidden.
   */
  async function receiveOnce(max: number, visibility: number, waitSeconds: number, signal: AbortSignal | undefined): Promise<ReceivedMessage[]> {
    const request = client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibility,
        WaitTimeSeconds: signal ? Math.min(waitSeconds, ABORTABLE_WAIT_SECONDS) : waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
      { abortSignal: closing.signal },
    );
    if (!signal) return deliveries((await request).Messages ?? []);
    let onAbort = (): void => {};
    const aborted = new Promise<null>((resolve) => {
      onAbort = () => resolve(null);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const out = await Promise.race([request, aborted]);
      if (out !== null) return deliveries(out.Messages ?? []);
      const lingering = request.then((late) => releaseAll(queueUrl, late.Messages ?? [])).catch(() => {});
      abandoned.add(lingering);
      void lingering.finally(() => abandoned.delete(lingering));
      return [];
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  return {
    async send(body: JobBody, sendOptions?: { delaySeconds?: number }): Promise<string> {
      const delay = Math.ceil(checkNumber('delaySeconds', sendOptions?.delaySeconds ?? 0, 0, MAX_DELAY_SECONDS, 's'));
      const out = await call('send', () => client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body), DelaySeconds: delay })));
      return out.MessageId ?? '';
    },

    async receive(receiveOptions: ReceiveOptions): Promise<ReceivedMessage[]> {
      if (closed) throw new EchoError('QUEUE_FAILED', `sqs queue ${name}: receive after close`);
      const max = checkInteger('max', receiveOptions.max ?? 1, 1, MAX_BATCH);
      const visibility = Math.ceil(checkNumber('visibilitySeconds', receiveOptions.visibilitySeconds, 0, MAX_VISIBILITY_SECONDS, 's'));
      const waitMs = checkNumber('waitMs', receiveOptions.waitMs ?? 0, 0, Number.MAX_SAFE_INTEGER, 'ms');
      const signal = receiveOptions.signal;
      const deadline = Date.now() + waitMs;
      for (let first = true; ; first = false) {
        if (closed || signal?.aborted) return [];
        const remaining = deadline - Date.now();
        if (!first && remaining <= 0) return [];
        // SQS long polls in whole seconds, up to 20 per call.
        const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.max(0, Math.ceil(remaining / 1000)));
        let got: ReceivedMessage[];
        try {
          got = await receiveOnce(max, visibility, waitSeconds, signal);
        } catch (err) {
          if (closed) return [];
          throw queueFailed(name, 'receive', err);
        }
        if (got.length > 0) return got;
      }
    },

    async extend(receipt: string, visibilitySeconds: number): Promise<void> {
      checkReceipt(receipt);
      const seconds = Math.ceil(checkNumber('visibilitySeconds', visibilitySeconds, 0, MAX_VISIBILITY_SECONDS, 's'));
      await changeVisibility('extend', receipt, seconds);
    },

    async release(receipt: string, delaySeconds = 0): Promise<void> {
      checkReceipt(receipt);
      const seconds = Math.ceil(checkNumber('delaySeconds', delaySeconds, 0, MAX_VISIBILITY_SECONDS, 's'));
      // A poll this client gave up (its caller stopped receiving) still takes messages on SQS's side for up
      // to ABORTABLE_WAIT_SECONDS: a message made visible now would go straight back to it and lose a
      // delivery (a worker holding two jobs has such a poll open when a Spot notice releases them).
      if (seconds === 0) await Promise.all([...abandoned]);
      await changeVisibility('release', receipt, seconds);
    },

    async delete(receipt: string): Promise<boolean> {
      checkReceipt(receipt);
      // SQS accepts a delete with a superseded receipt silently; probe it first with a visibility change,
      // which SQS refuses for a receipt that is not the current delivery, so a worker that lost its
      // message never acknowledges another worker's delivery.
      try {
        await changeVisibility('delete', receipt, 60);
      } catch (err) {
        if (err instanceof EchoError && err.code === 'NOT_FOUND') return false;
        throw err;
      }
      await call('delete', () => client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt })));
      return true;
    },

    async stats(): Promise<QueueStats> {
      const attributes = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
      const [main, dead] = await call('stats', () =>
        Promise.all([
          client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...attributes] })),
          client.send(new GetQueueAttributesCommand({ QueueUrl: deadUrl, AttributeNames: [...attributes] })),
        ]),
      );
      const n = (out: typeof main, a: (typeof attributes)[number]): number => Number(out.Attributes?.[a] ?? 0);
      return {
        visible: n(main, 'ApproximateNumberOfMessages'),
        inFlight: n(main, 'ApproximateNumberOfMessagesNotVisible'),
        delayed: n(main, 'ApproximateNumberOfMessagesDelayed'),
        dead: attributes.reduce((sum, a) => sum + n(dead, a), 0),
      };
    },

    async listDead(limit = 100): Promise<DeadMessage[]> {
      checkInteger('limit', limit, 1, 10_000);
      // SQS has no listing: receive (hidden briefly so each round sees new ones), then make them visible again.
      const seen = new Map<string, Message>();
      try {
        while (seen.size < MAX_DEAD_PEEK) {
          const out = await call('listDead', () =>
            client.send(
              new ReceiveMessageCommand({ QueueUrl: deadUrl, MaxNumberOfMessages: MAX_BATCH, VisibilityTimeout: 30, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['SentTimestamp'] }),
            ),
          );
          const fresh = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
          if (fresh.length === 0) break;
          for (const m of fresh) seen.set(m.MessageId ?? '', m);
        }
      } finally {
        await releaseAll(deadUrl, [...seen.values()]);
      }
      const dead: DeadMessage[] = [];
      for (const m of seen.values()) {
        const parsed = parseBody(m.Body ?? '', options.objectEvents ?? null);
        if (parsed.kind !== 'job' && parsed.kind !== 'object-created') continue;
        // Redrive moves a message on the receive after its maxReceiveCount-th: it was delivered that often.
        dead.push({ id: m.MessageId ?? '', body: parsed.body, receiveCount: maxReceives, deadAt: Number(m.Attributes?.SentTimestamp ?? 0) });
      }
      return dead.sort((a, b) => a.deadAt - b.deadAt).slice(0, limit);
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...abandoned]);
      closing.abort();
      if (ownsClient) client.destroy();
    },
  };

  async function changeVisibility(operation: string, receipt: string, seconds: number): Promise<void> {
    try {
      await call(operation, () => client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receipt, VisibilityTimeout: seconds })));
    } catch (err) {
      if (isStaleReceipt((err as EchoError).cause ?? err)) throw staleReceipt(name, operation, receipt);
      throw err;
    }
  }
}

/** A queue given by name is looked up; an https URL is used as it is. */
async function resolveUrl(client: SQSClient, queue: string): Promise<string> {
  if (/^https?:\/\//.test(queue)) return queue;
  const out = await client.send(new GetQueueUrlCommand({ QueueName: queue }));
  if (!out.QueueUrl) throw new EchoError('CONFIG_INVALID', `sqs queue ${queue}: GetQueueUrl returned no URL`);
  return out.QueueUrl;
}

/** Calls `send` with consecutive slices of at most MAX_BATCH items: SQS batch calls take ten entries. */
async function inBatches<T>(items: readonly T[], send: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += MAX_BATCH) await send(items.slice(i, i + MAX_BATCH));
}

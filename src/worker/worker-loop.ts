import type { Logger } from 'pino';
import { toEchoError } from '../errors/catalogue.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { JobQueue, ReceivedMessage } from '../ports/job-queue.ts';
import { type JobOutcome, type ProcessDeps, processJob } from '../pipeline/process-job.ts';
import { retryDelaySeconds } from './backoff.ts';
import { send } from './ipc.ts';

export interface LoopOptions {
  visibilitySeconds: number;
  maxReceives: number;
  retryBaseSeconds: number;
  shutdownGraceSeconds: number;
}

/**
 * The worker's receive loop: one job at a time, a heartbeat extending its visibility while it runs,
 * acknowledge on success or permanent failure, release with backoff on a transient failure.
 * `stop()` stops taking jobs at once; the current job gets `shutdownGraceSeconds` to finish, then its
 * message is released so another worker takes it.
 */
export function startWorkerLoop(queue: JobQueue, catalog: Catalog, deps: ProcessDeps, options: LoopOptions, log: Logger) {
  const receiving = new AbortController();
  let stopping = false;
  let current: { message: ReceivedMessage; done: Promise<void> } | null = null;

  async function handle(message: ReceivedMessage): Promise<void> {
    const { body } = message;
    const jlog = log.child({ jobId: body.jobId, clipId: body.clipId, receiveCount: message.receiveCount });
    send({ type: 'job-start', jobId: body.jobId, clipId: body.clipId, receipt: message.receipt, receiveCount: message.receiveCount, at: Date.now() });
    const heartbeat = setInterval(
      () => {
        queue.extend(message.receipt, options.visibilitySeconds).catch((err) => jlog.warn({ err: toEchoError(err).toJSON() }, 'heartbeat failed'));
      },
      Math.max(500, (options.visibilitySeconds * 1000) / 3),
    );
    let outcome: JobOutcome | null = null;
    try {
      outcome = await processJob(deps, body);
    } catch (err) {
      const e = toEchoError(err);
      if (message.receiveCount >= options.maxReceives) {
        jlog.error({ err: e.toJSON() }, 'job failed on its last delivery');
        await catalog.failJob(body.jobId, e.toJSON(), Date.now()).catch(() => {});
        outcome = { status: 'failed', error: e };
      } else {
        const delay = retryDelaySeconds(message.receiveCount, options.retryBaseSeconds);
        jlog.warn({ err: e.toJSON(), retryInSeconds: delay }, 'job failed; will retry');
        clearInterval(heartbeat);
        await catalog.requeueJob(body.jobId, Date.now()).catch(() => {});
        await queue.release(message.receipt, delay).catch(() => {});
        send({ type: 'job-end', jobId: body.jobId, status: 'retry' });
        return;
      }
    } finally {
      clearInterval(heartbeat);
    }
    await queue.delete(message.receipt);
    if (outcome.status === 'failed') jlog.warn({ err: outcome.error.toJSON() }, 'job failed');
    else if (outcome.status === 'skipped') jlog.info({ reason: outcome.reason }, 'job skipped');
    else jlog.info({ resultId: outcome.resultId, reused: outcome.reused, timings: outcome.timings }, 'job done');
    send({ type: 'job-end', jobId: body.jobId, status: outcome.status, timings: outcome.status === 'done' ? outcome.timings : null });
  }

  const finished = (async () => {
    while (!stopping) {
      let messages: ReceivedMessage[];
      try {
        messages = await queue.receive({ max: 1, visibilitySeconds: options.visibilitySeconds, waitMs: 20_000, signal: receiving.signal });
      } catch (err) {
        if (stopping) break;
        log.error({ err: toEchoError(err).toJSON() }, 'receive failed; retrying in 1 s');
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      for (const message of messages) {
        const done = handle(message).catch((err) => log.error({ err: toEchoError(err).toJSON(), jobId: message.body.jobId }, 'job handling failed'));
        current = { message, done };
        await done;
        current = null;
      }
    }
  })();

  return {
    /** Stops taking jobs; resolves once the current job finished or was released. */
    async stop(): Promise<void> {
      stopping = true;
      receiving.abort();
      const running = current;
      if (running) {
        const graceful = await Promise.race([
          running.done.then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), options.shutdownGraceSeconds * 1000).unref()),
        ]);
        if (!graceful) {
          log.warn({ jobId: running.message.body.jobId }, 'shutdown grace over; releasing the job for another worker');
          await catalog.requeueJob(running.message.body.jobId, Date.now()).catch(() => {});
          await queue.release(running.message.receipt, 0).catch(() => {});
          return;
        }
      }
      await finished;
    },
  };
}

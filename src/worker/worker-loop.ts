import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { toEchoError } from '../errors/catalogue.ts';
import { ingestObject, type ObjectIngestDeps } from '../ingest/ingest-object.ts';
import { isPermanent, type JobOutcome, type ProcessDeps, processJob } from '../pipeline/process-job.ts';
import type { Catalog } from '../ports/catalog.ts';
import { isObjectCreated, type JobBody, type JobQueue, type ReceivedMessage } from '../ports/job-queue.ts';
import { retryDelaySeconds } from './backoff.ts';
import { send } from './ipc.ts';

/** A message the worker holds: what it runs, and whether it was already handed back (interrupt, grace over). */
interface Held {
  message: ReceivedMessage;
  job: JobBody | null;
  done: Promise<void>;
  /** Resolves once the job's input is read (it now waits on the model) or the job is over. */
  inputRead: Promise<void>;
  read: boolean;
  markRead: () => void;
  released: boolean;
  heartbeat?: NodeJS.Timeout;
  /** The heartbeat call in flight: a release waits for it, so the release is the last word. */
  extending?: Promise<void>;
}

export interface LoopOptions {
  /**
   * Jobs held at once. With 2, the next job is received and its input read and opened while the model
   * runs the current one (the model itself takes one call at a time); 1 runs jobs strictly in turn.
   */
  workerJobs: number;
  visibilitySeconds: number;
  maxReceives: number;
  retryBaseSeconds: number;
  shutdownGraceSeconds: number;
}

/**
 * The worker's receive loop: up to `workerJobs` jobs at a time, a heartbeat extending each one's visibility while it runs,
 * acknowledge on success or permanent failure, release with backoff on a transient failure.
 * An object-created message (an S3 upload announced by its event notification) is first registered as a
 * clip with a job (`objects`; see src/ingest/ingest-object.ts), then run like any job, under the same
 * message and heartbeat.
 * A further job is received only once every held job has read its input: a worker never sits on a job
 * it could not start, which an idle worker beside it could run (scale-out, several worker processes).
 * `stop()` stops taking jobs at once; the held jobs get `shutdownGraceSeconds` to finish, then their
 * messages are released so another worker takes them. `interrupt()` (a Spot interruption notice) releases
 * them at once.
 */
export function startWorkerLoop(queue: JobQueue, catalog: Catalog, deps: ProcessDeps, options: LoopOptions, log: Logger, objects?: ObjectIngestDeps) {
  const receiving = new AbortController();
  let stopping = false;
  const held = new Set<Held>();

  /**
   * The job a message runs: its body, or the job registered for the object it announces (with the local copy
   * made while hashing it, if any); null: nothing to run.
   */
  async function jobOf(message: ReceivedMessage): Promise<{ body: JobBody; inputPath?: string } | null> {
    const body = message.body;
    if (!isObjectCreated(body)) return { body };
    const olog = log.child({ key: body.key, receiveCount: message.receiveCount });
    if (!objects) {
      olog.warn('an object-created message arrived but this worker has no object ingest wired; leaving it for the dead-letter queue');
      throw new Error('object ingest is not wired in this worker');
    }
    try {
      const outcome = await ingestObject(objects, body);
      if (outcome.kind === 'run') {
        olog.info({ clipId: outcome.clip.id, jobId: outcome.job.jobId }, 'object registered as a clip');
        return { body: outcome.job, ...(outcome.spooled ? { inputPath: outcome.spooled } : {}) };
      }
      if (outcome.kind === 'failed') olog.warn({ clipId: outcome.clip.id, err: outcome.error.toJSON() }, 'object is not a usable cine; clip recorded as failed');
      else olog.info({ reason: outcome.reason }, 'object event skipped');
    } catch (err) {
      if (!isPermanent(err)) throw err;
      olog.warn({ err: err.toJSON() }, 'object event refused');
    }
    await queue.delete(message.receipt);
    return null;
  }

  async function handle(message: ReceivedMessage, slot: Held): Promise<void> {
    const heartbeat = setInterval(
      () => {
        // A released message must stay visible: extending it would hide it from its next holder again.
        if (slot.released) return;
        slot.extending = queue
          .extend(message.receipt, options.visibilitySeconds)
          .catch((err) => log.warn({ err: toEchoError(err).toJSON() }, 'heartbeat failed'));
      },
      Math.max(500, (options.visibilitySeconds * 1000) / 3),
    );
    slot.heartbeat = heartbeat;
    let inputPath: string | undefined;
    try {
      let found: Awaited<ReturnType<typeof jobOf>>;
      try {
        found = await jobOf(message);
      } catch (err) {
        const delay = retryDelaySeconds(message.receiveCount, options.retryBaseSeconds);
        log.warn({ err: toEchoError(err).toJSON(), retryInSeconds: delay }, 'registering an object failed; will retry');
        await giveBack(slot, delay);
        return;
      }
      if (found === null) return;
      inputPath = found.inputPath;
      // Two messages for one job (S3 delivers an event at least once): the held one carries it to its end
      // or back to the queue, so this copy is redundant. Checked and claimed in one synchronous step.
      const jobId = found.body.jobId;
      if ([...held].some((h) => h !== slot && h.job?.jobId === jobId)) {
        const reason = `job ${jobId} of clip ${found.body.clipId} is already running in this worker`;
        if (isObjectCreated(message.body)) log.info({ key: message.body.key, reason }, 'object event skipped');
        else log.info({ jobId, reason }, 'duplicate job message skipped');
        await queue.delete(message.receipt);
        return;
      }
      slot.job = found.body;
      await run(slot, found.body, inputPath);
    } finally {
      clearInterval(heartbeat);
      if (inputPath) await rm(inputPath, { force: true }).catch(() => {});
    }
  }

  /** Stops the heartbeat and hands the message back after `delay` s (its job back to `queued` first), unless already released. */
  async function giveBack(slot: Held, delay: number, jobId?: string): Promise<void> {
    clearInterval(slot.heartbeat);
    await slot.extending;
    if (slot.released) return;
    if (jobId) await catalog.requeueJob(jobId, Date.now()).catch(() => {});
    await queue.release(slot.message.receipt, delay).catch(() => {});
  }

  async function run(slot: Held, body: JobBody, inputPath?: string): Promise<void> {
    const { message } = slot;
    const jlog = log.child({ jobId: body.jobId, clipId: body.clipId, receiveCount: message.receiveCount });
    send({ type: 'job-start', jobId: body.jobId, clipId: body.clipId, receipt: message.receipt, receiveCount: message.receiveCount, at: Date.now() });
    jlog.debug('job started');
    let outcome: JobOutcome | null = null;
    try {
      outcome = await processJob(deps, body, { ...(inputPath ? { inputPath } : {}), onInputRead: slot.markRead });
    } catch (err) {
      const e = toEchoError(err);
      if (message.receiveCount >= options.maxReceives) {
        jlog.error({ err: e.toJSON() }, 'job failed on its last delivery');
        await catalog.failJob(body.jobId, e.toJSON(), Date.now()).catch(() => {});
        outcome = { status: 'failed', error: e };
      } else {
        const delay = retryDelaySeconds(message.receiveCount, options.retryBaseSeconds);
        jlog.warn({ err: e.toJSON(), retryInSeconds: delay }, 'job failed; will retry');
        await giveBack(slot, delay, body.jobId);
        send({ type: 'job-end', jobId: body.jobId, status: 'retry' });
        return;
      }
    } finally {
      clearInterval(slot.heartbeat);
    }
    // After an interrupt the message was handed back: its next holder acknowledges it (the result is kept).
    if (!slot.released) await queue.delete(message.receipt);
    if (outcome.status === 'failed') jlog.warn({ err: outcome.error.toJSON() }, 'job failed');
    else if (outcome.status === 'skipped') jlog.info({ reason: outcome.reason }, 'job skipped');
    else jlog.info({ resultId: outcome.resultId, reused: outcome.reused, timings: outcome.timings }, 'job done');
    send({ type: 'job-end', jobId: body.jobId, status: outcome.status, timings: outcome.status === 'done' ? outcome.timings : null });
  }

  const finished = (async () => {
    while (!stopping) {
      // Full, or a held job still reading its input: wait until a job ends or reaches the model.
      if (held.size >= options.workerJobs || [...held].some((h) => !h.read)) {
        await Promise.race([...held].map((h) => (h.read ? h.done : h.inputRead)));
        continue;
      }
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
        // Taken in the instant a stop began: hand it straight back.
        if (stopping) {
          await queue.release(message.receipt, 0).catch(() => {});
          continue;
        }
        log.debug({ messageId: message.id, receiveCount: message.receiveCount }, 'message received');
        const slot = newSlot(message);
        held.add(slot);
        slot.done = handle(message, slot)
          .catch((err) => log.error({ err: toEchoError(err).toJSON(), messageId: message.id }, 'job handling failed'))
          .finally(() => {
            slot.markRead();
            held.delete(slot);
          });
      }
    }
    await Promise.all([...held].map((h) => h.done));
  })();

  /** Hands every held message back at once (visibility 0) and its job back to `queued`. */
  async function releaseHeld(why: string): Promise<void> {
    await Promise.all([...held].map((running) => release(running, why)));
  }

  async function release(running: Held, why: string): Promise<void> {
    if (running.released) return;
    running.released = true;
    clearInterval(running.heartbeat);
    await running.extending;
    log.warn({ jobId: running.job?.jobId, messageId: running.message.id }, why);
    if (running.job) await catalog.requeueJob(running.job.jobId, Date.now()).catch(() => {});
    await queue.release(running.message.receipt, 0).catch(() => {});
    if (running.job) send({ type: 'job-end', jobId: running.job.jobId, status: 'retry' });
  }

  return {
    /** Stops taking jobs; resolves once the held jobs finished or were released. */
    async stop(): Promise<void> {
      stopping = true;
      receiving.abort();
      const running = [...held];
      if (running.length > 0) {
        const graceful = await Promise.race([
          Promise.all(running.map((h) => h.done)).then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), options.shutdownGraceSeconds * 1000).unref()),
        ]);
        if (!graceful) {
          await releaseHeld('shutdown grace over; releasing the job for another worker');
          return;
        }
      }
      await finished;
    },
    /** Stops taking jobs and releases the held ones at once (the instance is about to go away). */
    async interrupt(): Promise<void> {
      stopping = true;
      receiving.abort();
      await releaseHeld('interrupted; released the job for another worker at once');
    },
  };
}

function newSlot(message: ReceivedMessage): Held {
  let resolve = (): void => {};
  const inputRead = new Promise<void>((r) => {
    resolve = r;
  });
  const slot: Held = {
    message,
    job: null,
    done: Promise.resolve(),
    inputRead,
    read: false,
    markRead: () => {
      slot.read = true;
      resolve();
    },
    released: false,
  };
  return slot;
}

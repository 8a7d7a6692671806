import { type ChildProcess, fork } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { EchoError, type ErrorCode, toEchoError } from '../errors/catalogue.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { SupervisorToWorker, WorkerToSupervisor } from './ipc.ts';

export interface SupervisorOptions {
  count: number;
  /** The worker entry file (src/worker/worker-main.ts). */
  entry: string;
  env: NodeJS.ProcessEnv;
  jobTimeoutSeconds: number;
  maxReceives: number;
  shutdownGraceSeconds: number;
  queue: JobQueue;
  catalog: Catalog;
  log: Logger;
  onJobStart?: (message: Extract<WorkerToSupervisor, { type: 'job-start' }>, pid: number) => void;
  onJobEnd?: (message: Extract<WorkerToSupervisor, { type: 'job-end' }>) => void;
  /**
   * `<data>/work`: a worker that dies without cleaning up leaves `<workRoot>/<pid>` (and `model-<pid>` with
   * the command runtime), which may hold a decrypted input (encryption at rest); removed when it exits.
   */
  workRoot?: string;
  /** Told the number of workers holding a job whenever it changes (scale-in protection). */
  onBusyChange?: (busy: number) => void;
}

interface Slot {
  index: number;
  child: ChildProcess | null;
  ready: boolean;
  /** The jobs the worker holds (two while it reads the next clip during the current one's inference). */
  jobs: Map<string, Extract<WorkerToSupervisor, { type: 'job-start' }>>;
  restarts: number;
  startedAt: number;
  /** Why the supervisor killed the worker, and for which job (the others it held just died with it). */
  killedFor: { code: ErrorCode; jobId: string } | null;
}

/**
 * Runs `count` worker processes and keeps them running. When a worker dies holding jobs, each job's
 * message is released at once (no waiting for the visibility timeout) and its clip goes back to `queued`;
 * on the job's last allowed delivery the clip is marked failed instead. A job running past
 * `jobTimeoutSeconds` gets its worker killed. Dead-lettered jobs are swept into `failed`.
 */
export function startSupervisor(options: SupervisorOptions) {
  const { log, queue, catalog } = options;
  const slots: Slot[] = [];
  let stopping = false;
  const readyWaiters: (() => void)[] = [];
  const swept = new Set<string>();
  let lastBusy = 0;
  const busyChanged = (): void => {
    const busy = slots.filter((s) => s.jobs.size > 0).length;
    if (busy !== lastBusy) {
      lastBusy = busy;
      options.onBusyChange?.(busy);
    }
  };

  function spawn(slot: Slot): void {
    slot.ready = false;
    slot.jobs = new Map();
    slot.killedFor = null;
    slot.startedAt = Date.now();
    const child = fork(options.entry, [], { env: { ...options.env, ECHO_CLOUD_WORKER_INDEX: String(slot.index) }, stdio: 'inherit' });
    slot.child = child;
    child.on('message', (m: WorkerToSupervisor) => onMessage(slot, m));
    child.on('exit', (code, signal) => {
      void onExit(slot, child, code, signal);
    });
    child.on('error', (err) => log.error({ err: toEchoError(err).toJSON(), worker: slot.index }, 'worker process error'));
  }

  function onMessage(slot: Slot, m: WorkerToSupervisor): void {
    if (m.type === 'ready') {
      slot.ready = true;
      if (slots.every((s) => s.ready)) for (const w of readyWaiters.splice(0)) w();
    } else if (m.type === 'job-start') {
      slot.jobs.set(m.jobId, m);
      busyChanged();
      if (slot.child?.pid) options.onJobStart?.(m, slot.child.pid);
    } else if (m.type === 'job-end') {
      slot.jobs.delete(m.jobId);
      busyChanged();
      options.onJobEnd?.(m);
    } else if (m.type === 'fatal') {
      log.error({ worker: slot.index, code: m.code }, `worker could not start: ${m.message}`);
    }
  }

  async function onExit(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (slot.child !== child) return;
    slot.child = null;
    if (options.workRoot && child.pid) {
      // Its job folder and the command runtime's scratch folder (decoded frames) both hold patient data.
      for (const name of [String(child.pid), `model-${child.pid}`]) {
        await rm(join(options.workRoot, name), { recursive: true, force: true }).catch((err) =>
          log.warn({ err: toEchoError(err).toJSON(), worker: slot.index }, 'could not remove the work folder of an exited worker'),
        );
      }
    }
    const held = [...slot.jobs.values()];
    slot.jobs = new Map();
    for (const job of held) await recover(job, slot.killedFor?.jobId === job.jobId ? slot.killedFor.code : 'WORKER_DIED', code, signal);
    busyChanged();
    if (stopping) return;
    const uptime = Date.now() - slot.startedAt;
    slot.restarts = uptime > 60_000 ? 0 : slot.restarts + 1;
    const delay = Math.min(30_000, slot.restarts === 0 ? 0 : 250 * 2 ** slot.restarts);
    log.warn({ worker: slot.index, code, signal, restartInMs: delay }, 'worker exited; restarting');
    setTimeout(() => {
      if (!stopping) spawn(slot);
    }, delay).unref();
  }

  async function recover(job: Extract<WorkerToSupervisor, { type: 'job-start' }>, reason: ErrorCode, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    try {
      if (job.receiveCount >= options.maxReceives) {
        const err = new EchoError(reason, `the worker process ended (${how}) while running job ${job.jobId}, on its last allowed delivery (${job.receiveCount} of ${options.maxReceives})`);
        await catalog.failJob(job.jobId, err.toJSON(), Date.now());
        await queue.delete(job.receipt);
        log.error({ jobId: job.jobId, clipId: job.clipId, err: err.toJSON() }, 'job failed: worker died on its last delivery');
      } else {
        await catalog.requeueJob(job.jobId, Date.now());
        await queue.release(job.receipt, 0);
        log.warn({ jobId: job.jobId, clipId: job.clipId, reason, how }, 'worker died holding a job; released it at once');
      }
    } catch (err) {
      // A stale receipt means the message was already redelivered: nothing left to release.
      log.warn({ jobId: job.jobId, err: toEchoError(err).toJSON() }, 'could not release the job of a dead worker');
    }
  }

  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const slot of slots) {
      const late = [...slot.jobs.values()].find((job) => now - job.at > options.jobTimeoutSeconds * 1000);
      if (late && slot.child && !slot.killedFor) {
        slot.killedFor = { code: 'JOB_TIMEOUT', jobId: late.jobId };
        log.error({ worker: slot.index, jobId: late.jobId }, `job ran past ${options.jobTimeoutSeconds} s; killing its worker`);
        slot.child.kill('SIGKILL');
      }
    }
  }, 1000);
  watchdog.unref();

  const sweeper = setInterval(() => void sweepDead(), 5000);
  sweeper.unref();
  async function sweepDead(): Promise<void> {
    try {
      for (const dead of await queue.listDead(500)) {
        if (swept.has(dead.id)) continue;
        swept.add(dead.id);
        // Dead object-created events have no job yet: the operator redrives them from the dead-letter queue.
        if (!('jobId' in dead.body)) continue;
        const job = await catalog.getJob(dead.body.jobId);
        if (job && job.status !== 'done' && job.status !== 'failed') {
          const err = new EchoError('DEAD_LETTERED', `job ${job.id} was delivered ${dead.receiveCount} times without finishing and was moved to the dead-letter queue`);
          await catalog.failJob(job.id, err.toJSON(), Date.now());
          log.error({ jobId: job.id, clipId: job.clipId }, err.message);
        }
      }
    } catch (err) {
      log.warn({ err: toEchoError(err).toJSON() }, 'dead-letter sweep failed');
    }
  }

  for (let i = 0; i < options.count; i++) {
    const slot: Slot = { index: i, child: null, ready: false, jobs: new Map(), restarts: 0, startedAt: 0, killedFor: null };
    slots.push(slot);
    spawn(slot);
  }
  void sweepDead();

  return {
    /** Resolves once every worker has loaded its model. */
    ready(): Promise<void> {
      if (slots.every((s) => s.ready)) return Promise.resolve();
      return new Promise((resolve) => readyWaiters.push(resolve));
    },
    pids(): number[] {
      return slots.flatMap((s) => (s.child?.pid ? [s.child.pid] : []));
    },
    /**
     * The instance is going away (Spot interruption notice): no restarts, every worker stops receiving and
     * releases its job at once; a worker that has not exited after `killAfterMs` is killed (its job, if the
     * supervisor knows it, is released by the exit handler).
     */
    async interrupt(reason: string, killAfterMs = 10_000): Promise<void> {
      stopping = true;
      clearInterval(watchdog);
      clearInterval(sweeper);
      await Promise.all(
        slots.map((slot) =>
          endChild(slot.child, killAfterMs, (child) => {
            if (child.connected) child.send({ type: 'interrupt', reason } satisfies SupervisorToWorker);
            else child.kill('SIGKILL');
          }),
        ),
      );
    },
    /** SIGTERM to every worker; each finishes or releases its job; SIGKILL after the grace period. */
    async stop(): Promise<void> {
      stopping = true;
      clearInterval(watchdog);
      clearInterval(sweeper);
      await Promise.all(slots.map((slot) => endChild(slot.child, (options.shutdownGraceSeconds + 5) * 1000, (child) => child.kill('SIGTERM'))));
    },
  };
}

export type Supervisor = ReturnType<typeof startSupervisor>;

/** Asks a live worker to end (`ask`), SIGKILLs it after `killAfterMs`, and resolves once it has exited. */
function endChild(child: ChildProcess | null, killAfterMs: number, ask: (child: ChildProcess) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    ask(child);
  });
}

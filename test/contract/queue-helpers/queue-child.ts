/**
 * The parent side: a queue opened by a separate Node process (a real second producer or consumer), driven
 * over stdin/stdout JSON lines. The child script calls serveQueueOverStdio.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { JobBody } from '../../../src/ports/job-queue.ts';

export interface QueueChild {
  readonly pid: number;
  /** Sends from the child; `sentAt` is the child's clock just before it called send. */
  send(body: JobBody, delaySeconds?: number): Promise<{ id: string; sentAt: number; sentDoneAt: number }>;
  /** Starts the child's receive-and-delete loop (see stdio-queue-server.ts) and resolves with its report. */
  drain(options: { max: number; visibilitySeconds: number; idleMs: number }): Promise<{
    ids: string[];
    deleteFailures: number;
    receives: number;
  }>;
  /** Asks the child to close its queue and exit; kills it if it has not exited after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export async function spawnQueueChild(script: string, args: string[], readyTimeoutMs = 10_000): Promise<QueueChild> {
  const child: ChildProcessByStdio<Writable, Readable, null> = spawn(process.execPath, [script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const pending: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  let ended = false;
  lines.on('line', (line) => pending.shift()?.resolve(JSON.parse(line)));
  child.once('exit', (code, signal) => {
    ended = true;
    for (const p of pending.splice(0)) p.reject(new Error(`queue child ${script} exited (code ${code}, signal ${signal})`));
  });
  const next = (): Promise<unknown> =>
    ended
      ? Promise.reject(new Error(`queue child ${script} has exited`))
      : new Promise((resolve, reject) => pending.push({ resolve, reject }));
  const request = async (value: unknown): Promise<Record<string, unknown>> => {
    const answer = next();
    child.stdin.write(JSON.stringify(value) + '\n');
    const reply = (await answer) as Record<string, unknown>;
    if (reply['error'] !== undefined) throw Object.assign(new Error(JSON.stringify(reply['error'])), reply['error']);
    return reply;
  };

  let readyTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      next(),
      new Promise((_, reject) => {
        readyTimer = setTimeout(() => reject(new Error(`queue child ${script} not ready after ${readyTimeoutMs} ms`)), readyTimeoutMs);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    clearTimeout(readyTimer);
  }

  return {
    pid: child.pid!,
    send: async (body, delaySeconds) =>
      (await request({ op: 'send', body, delaySeconds })) as { id: string; sentAt: number; sentDoneAt: number },
    drain: async (options) =>
      (await request({ op: 'drain', ...options })) as { ids: string[]; deleteFailures: number; receives: number },
    close: async (graceMs = 5000) => {
      if (!ended) {
        child.stdin.end(JSON.stringify({ op: 'close' }) + '\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      lines.close();
    },
  };
}

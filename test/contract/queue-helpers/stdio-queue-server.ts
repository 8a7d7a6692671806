/**
 * The child side of a queue opened in another OS process (see queue-child.ts): reads one JSON request per
 * line on stdin, answers one JSON line on stdout. Adapter-neutral: each backend's child script opens its
 * queue and hands it here.
 */
import { createInterface } from 'node:readline';
import type { JobBody, JobQueue } from '../../../src/ports/job-queue.ts';

export type ChildRequest =
  | { op: 'send'; body: JobBody; delaySeconds?: number }
  | { op: 'drain'; max: number; visibilitySeconds: number; idleMs: number }
  | { op: 'close' };

export async function serveQueueOverStdio(queue: JobQueue): Promise<void> {
  const reply = (value: unknown): void => {
    process.stdout.write(JSON.stringify(value) + '\n');
  };
  reply({ ready: true, pid: process.pid });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as ChildRequest;
    try {
      if (request.op === 'send') {
        // Timestamp just before the call: the parent measures wake-up latency from here.
        const sentAt = Date.now();
        const id = await queue.send(request.body, { delaySeconds: request.delaySeconds ?? 0 });
        reply({ id, sentAt, sentDoneAt: Date.now() });
      } else if (request.op === 'drain') {
        reply(await drain(queue, request));
      } else {
        break;
      }
    } catch (err) {
      const e = err as { code?: string; message?: string };
      reply({ error: { code: e.code ?? 'UNKNOWN', message: e.message ?? String(err) } });
    }
  }
  lines.close();
  await queue.close();
}

/** Receives and deletes until a receive waits `idleMs` with nothing; reports what it got. */
async function drain(
  queue: JobQueue,
  request: { max: number; visibilitySeconds: number; idleMs: number },
): Promise<{ ids: string[]; deleteFailures: number; receives: number }> {
  const ids: string[] = [];
  let deleteFailures = 0;
  let receives = 0;
  for (;;) {
    const batch = await queue.receive({ max: request.max, visibilitySeconds: request.visibilitySeconds, waitMs: request.idleMs });
    receives++;
    if (batch.length === 0) break;
    for (const message of batch) {
      ids.push(message.id);
      if (!(await queue.delete(message.receipt))) deleteFailures++;
    }
    // Let the other process in between receives, so the two really interleave.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { ids, deleteFailures, receives };
}

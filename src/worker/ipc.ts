/** Messages a worker process sends its supervisor over the IPC channel. */
export type WorkerToSupervisor =
  | { type: 'ready'; model: string }
  | { type: 'job-start'; jobId: string; clipId: string; receipt: string; receiveCount: number; at: number }
  | { type: 'job-end'; jobId: string; status: 'done' | 'failed' | 'retry' | 'skipped'; timings?: Record<string, number> | null }
  | { type: 'fatal'; code: string; message: string };

export function send(message: WorkerToSupervisor): void {
  if (process.send && process.connected) process.send(message);
}

/** Messages the supervisor sends a worker process. `interrupt`: the instance is going away (Spot notice). */
export type SupervisorToWorker = { type: 'interrupt'; reason: string };

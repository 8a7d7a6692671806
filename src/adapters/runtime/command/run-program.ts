/**
 * Runs one external program under limits: its own process group (so a timeout ends the program and
 * everything it started), a wall-clock limit (SIGTERM to the group, SIGKILL after a grace period),
 * optional `ulimit` limits applied through /bin/sh (Node cannot set rlimits on a child itself), and only
 * the tail of stdout and stderr kept, so a chatty or runaway program cannot fill the worker's memory.
 */
import { spawn } from 'node:child_process';

export interface ProgramSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  killGraceMs: number;
  tailBytes: number;
  memoryMb?: number;
  cpuSeconds?: number;
  /** Aborting ends the program like a timeout (used when the runtime closes). */
  signal?: AbortSignal;
}

export interface ProgramOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  stdout: string;
  stderr: string;
  ms: number;
  /** The process group id (the program's pid); gone once the outcome is returned. */
  pid: number;
}

/** Keeps the last `limit` bytes of a stream and counts what it dropped. */
export class TailBuffer {
  readonly limit: number;
  private chunks: Buffer[] = [];
  private size = 0;
  total = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.limit) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const kept = all.subarray(Math.max(0, all.length - this.limit));
    const dropped = this.total - kept.length;
    return (dropped > 0 ? `[${dropped} earlier bytes not kept] ` : '') + kept.toString('utf8');
  }
}

/** The argv actually spawned: the program itself, or /bin/sh setting ulimits and then exec-ing it. */
export function wrappedArgv(spec: Pick<ProgramSpec, 'argv' | 'memoryMb' | 'cpuSeconds'>): string[] {
  const limits: string[] = [];
  // Both values are validated integers, so nothing user-written reaches the shell script itself;
  // the program and its arguments are passed as "$@", never parsed by the shell.
  if (spec.memoryMb !== undefined) limits.push(`ulimit -v ${spec.memoryMb * 1024}`);
  if (spec.cpuSeconds !== undefined) limits.push(`ulimit -t ${spec.cpuSeconds}`);
  if (limits.length === 0) return spec.argv;
  return ['/bin/sh', '-c', `${limits.join(' && ')} && exec "$@"`, 'echo-cloud-model', ...spec.argv];
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
}

/**
 * Runs the program to completion. Resolves with how it ended (never rejects for a non-zero exit);
 * rejects only when it cannot be started at all (missing program, bad cwd).
 */
export function runProgram(spec: ProgramSpec): Promise<ProgramOutcome> {
  const argv = wrappedArgv(spec);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const stdout = new TailBuffer(spec.tailBytes);
    const stderr = new TailBuffer(spec.tailBytes);
    let timedOut = false;
    let aborted = false;
    let graceTimer: NodeJS.Timeout | undefined;
    // detached: the child leads a new session and process group, so -pid reaches its descendants too.
    const child = spawn(argv[0]!, argv.slice(1), { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    const stop = (why: 'timeout' | 'abort') => {
      if (timedOut || aborted || pid === undefined) return;
      if (why === 'timeout') timedOut = true;
      else aborted = true;
      killGroup(pid, 'SIGTERM');
      graceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), spec.killGraceMs);
    };
    const timer = setTimeout(() => stop('timeout'), spec.timeoutMs);
    const onAbort = () => stop('abort');
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    if (spec.signal?.aborted) onAbort();
    child.stdout.on('data', (c: Buffer) => stdout.push(c));
    child.stderr.on('data', (c: Buffer) => stderr.push(c));

    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      spec.signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (err) => {
      finish();
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
      reject(err);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      finish();
      // The program is gone; anything it left behind in its group goes with it.
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
      // A descendant that left the group may still hold the pipes open: do not wait for it forever.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 1000).unref();
    });
    child.once('close', () => {
      if (!exit || pid === undefined) return;
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        timedOut,
        aborted,
        stdout: stdout.text(),
        stderr: stderr.text(),
        ms: performance.now() - started,
        pid,
      });
    });
  });
}

/**
 * Running ffprobe/ffmpeg: bounded time, bounded output, a clear error when the program is missing, and
 * their stderr boiled down to one line for messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EchoError } from '../../errors/catalogue.ts';

/** How much of a program's stderr is kept for messages (the rest is dropped, the program is not stopped). */
export const STDERR_KEEP_BYTES = 16 * 1024;

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

/** A spawn failure as an EchoError: a missing or non-executable program is DEPENDENCY_MISSING. */
export function spawnError(err: unknown, program: string, file: string): EchoError {
  const code = errorCode(err);
  if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
    const why = code === 'EACCES' ? 'is not executable' : 'was not found';
    return new EchoError(
      'DEPENDENCY_MISSING',
      `reading video file "${file}" needs the program "${program}", which ${why}: install the Debian package ffmpeg (apt-get install ffmpeg), which provides ffmpeg and ffprobe`,
      { cause: err, details: { file, program } },
    );
  }
  const text = err instanceof Error ? err.message : String(err);
  return new EchoError('INTERNAL', `running "${program}" for video file "${file}": ${text}`, { cause: err, details: { file, program } });
}

/** Keeps the first `STDERR_KEEP_BYTES` of a stream. */
export function collectHead(stream: NodeJS.ReadableStream): () => string {
  const parts: Buffer[] = [];
  let kept = 0;
  stream.on('data', (chunk: Buffer) => {
    if (kept >= STDERR_KEEP_BYTES) return;
    const part = chunk.subarray(0, STDERR_KEEP_BYTES - kept);
    parts.push(part);
    kept += part.length;
  });
  return () => Buffer.concat(parts).toString('utf8');
}

/**
 * ffmpeg's stderr as one short line: the `[demuxer @ 0x...]` prefixes, the input path (which may be a
 * server-side path, not the user's file name) and repeats removed, distinct lines joined with "; ".
 */
export function oneLine(stderr: string, path: string, maxChars = 300): string {
  const seen = new Set<string>();
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw
      .split(`file:${path}`)
      .join('input')
      .split(path)
      .join('input')
      .replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '')
      .replace(/^input:\s*/, '')
      .trim();
    if (line === '' || /^Last message repeated/.test(line)) continue;
    seen.add(line);
  }
  const text = [...seen].join('; ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 3)}...` : text;
}

/** Kills a child (SIGKILL) and resolves once it has exited, so none is left behind. */
export function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

export interface RunLimits {
  timeoutMs: number;
  maxStdoutBytes: number;
}

/**
 * Runs a program to completion. Rejects with DEPENDENCY_MISSING when it is not installed, with
 * CINE_CORRUPT when it runs past `timeoutMs` or prints more than `maxStdoutBytes` (it is killed first).
 */
export function runProgram(program: string, args: string[], file: string, limits: RunLimits): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(spawnError(err, program, file));
      return;
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let failure: EchoError | null = null;
    const stderr = collectHead(child.stderr!);
    const fail = (err: EchoError) => {
      if (failure) return;
      failure = err;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      fail(
        new EchoError('CINE_CORRUPT', `video file "${file}": ${program} did not finish within ${limits.timeoutMs} ms and was stopped (the file may be damaged)`, {
          details: { file, program, timeoutMs: limits.timeoutMs },
        }),
      );
    }, limits.timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > limits.maxStdoutBytes) {
        fail(
          new EchoError('CINE_CORRUPT', `video file "${file}": ${program} printed more than ${limits.maxStdoutBytes} bytes about it and was stopped (the file may be damaged)`, {
            details: { file, program },
          }),
        );
        return;
      }
      out.push(chunk);
    });
    child.once('error', (err) => {
      // Spawn failures (ENOENT) arrive here; 'close' may still follow, and the first outcome wins.
      clearTimeout(timer);
      if (!failure) failure = spawnError(err, program, file);
      reject(failure);
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: stderr(), exitCode });
    });
  });
}

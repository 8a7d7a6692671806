/**
 * One ffmpeg process decoding a video stream to raw frames on its stdout, read one frame at a time.
 *
 * At most about one frame is buffered here: the stream is paused once a frame's bytes are in, so ffmpeg
 * blocks on the full pipe and decodes no further ahead than the pipe holds. A pipe that gives no byte for
 * `stallMs` while a frame is wanted is killed (a hung decoder).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EchoError } from '../../errors/catalogue.ts';
import { collectHead, killAndWait, oneLine, spawnError } from './programs.ts';

export interface FramePipeOptions {
  ffmpegPath: string;
  args: string[];
  frameBytes: number;
  stallMs: number;
  /** The local path (removed from ffmpeg's messages) and the user's file name (put in them). */
  path: string;
  file: string;
}

export interface FramePipe {
  /**
   * The next frame's bytes (a fresh buffer of exactly `frameBytes`), or null when ffmpeg ended cleanly.
   * With `keep` false the frame is skipped: its bytes are dropped without a copy (an empty array is returned).
   */
  next(keep: boolean): Promise<Uint8Array | null>;
  /** What ffmpeg wrote on stderr, as one line. */
  said(): string;
  /** Kills ffmpeg if it still runs and resolves once it has exited. Safe to call twice. */
  close(): Promise<void>;
}

export function startFramePipe(options: FramePipeOptions): FramePipe {
  const { frameBytes, file } = options;
  let child: ChildProcess | null = null;
  let failure: EchoError | null = null;
  /** Set on 'close': ffmpeg has exited and its stdout has ended. */
  let closed = false;
  let exitCode: number | null = null;
  const chunks: Buffer[] = [];
  let buffered = 0;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  try {
    child = spawn(options.ffmpegPath, options.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    failure = spawnError(err, options.ffmpegPath, file);
  }
  const stderr = child ? collectHead(child.stderr!) : () => '';
  if (child) {
    const stdout = child.stdout!;
    stdout.pause();
    stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      if (buffered >= frameBytes) stdout.pause();
      notify();
    });
    // A spawn failure (ENOENT) emits 'error' before 'close'.
    child.once('error', (err) => {
      failure ??= spawnError(err, options.ffmpegPath, file);
      notify();
    });
    child.once('close', (code) => {
      closed = true;
      exitCode = code;
      notify();
    });
  }

  /** Moves exactly `frameBytes` from the chunks into a new buffer (or drops them). */
  const take = (keep: boolean): Uint8Array => {
    const out = keep ? new Uint8Array(new ArrayBuffer(frameBytes)) : new Uint8Array(0);
    let filled = 0;
    while (filled < frameBytes) {
      const chunk = chunks[0]!;
      const part = Math.min(chunk.length, frameBytes - filled);
      if (keep) out.set(chunk.subarray(0, part), filled);
      filled += part;
      if (part === chunk.length) chunks.shift();
      else chunks[0] = chunk.subarray(part);
    }
    buffered -= frameBytes;
    return out;
  };

  const stalled = () =>
    new EchoError('CINE_CORRUPT', `video file "${file}": ffmpeg gave no frame data for ${options.stallMs} ms and was stopped (the file may be damaged)`, {
      details: { file, stallMs: options.stallMs },
    });

  return {
    async next(keep) {
      while (buffered < frameBytes) {
        if (failure) throw failure;
        if (closed) break;
        const progressed = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            wake = null;
            resolve(false);
          }, options.stallMs);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
          child?.stdout?.resume();
        });
        if (!progressed && !failure) {
          failure = stalled();
          if (child) await killAndWait(child);
        }
      }
      if (buffered >= frameBytes) return take(keep);
      if (buffered > 0 || exitCode !== 0) {
        const how = buffered > 0 ? `stopped in the middle of a frame (${buffered} of ${frameBytes} bytes)` : `exited with code ${exitCode}`;
        const said = oneLine(stderr(), options.path);
        if (/Unrecognized option 'fps_mode'/.test(said)) {
          throw new EchoError(
            'DEPENDENCY_MISSING',
            `reading video file "${file}" needs ffmpeg 5.1 or later ("${options.ffmpegPath}" does not know -fps_mode): install the Debian package ffmpeg from Debian 12 or later`,
            { details: { file, program: options.ffmpegPath } },
          );
        }
        throw new EchoError('CINE_CORRUPT', `video file "${file}" is damaged or truncated: ffmpeg ${how}${said ? `: ${said}` : ''}`, {
          details: { file, ffmpeg: said },
        });
      }
      return null;
    },
    said: () => oneLine(stderr(), options.path),
    async close() {
      failure ??= new EchoError('BAD_REQUEST', `the cine from video file "${file}" is closed`);
      chunks.length = 0;
      buffered = 0;
      if (child) {
        await killAndWait(child);
        // Frees the pipes now rather than when they are collected (a paused stdout stays open).
        child.stdout?.destroy();
        child.stderr?.destroy();
      }
      notify();
    },
  };
}
